"""What an import found and did, counted the same way in a dry run and a real one."""

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Report:
    dry_run: bool = False
    articles: Counter = field(default_factory=Counter)  # new, existing, drafts created…
    comments: Counter = field(default_factory=Counter)  # new ones by status
    existing_comments: int = 0
    skipped: Counter = field(default_factory=Counter)  # by reason
    orphans: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def new_comments(self) -> int:
        return sum(self.comments.values())

    def lines(self) -> list[str]:
        """The report as text, one fact a line."""
        verb = "would import" if self.dry_run else "imported"
        articles = ", ".join(f"{count} {what}" for what, count in sorted(self.articles.items())) or "none"
        lines = [f"Articles: {articles}."]
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(self.comments.items()))
        lines.append(
            f"Comments: {self.new_comments} new ({statuses or 'none'}) {verb}; "
            f"{self.existing_comments} already imported."
        )
        lines.append(f"Orphans re-attached: {self.orphans} (their parent was missing from the file).")
        for reason, count in sorted(self.skipped.items()):
            lines.append(f"Skipped: {count} {reason}.")
        lines.extend(f"Note: {note}." for note in self.notes)
        return lines

    def summary(self) -> str:
        return "\n".join(self.lines())
