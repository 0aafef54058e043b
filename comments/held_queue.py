"""A moderation queue to clear, for the desk's browser test and bench (issue 19).

50 held comments as readers post them (through post_comment, the rules holding each new guest's
first comment): 35 fine, 10 spam or abusive, 5 that read as harmless alone and are bad only given
the comment they answer. Ten are longer than the old list's 240-character cut, two of them bad only
after it. Each comes with the decision a careful moderator makes: approve, spam or reject.
"""

import random
from dataclasses import dataclass

from comments.models import Comment, ModerationRules
from comments.services import approve_comment, post_comment

FINE = [
    "The delivery window is the real question here. Traders need mornings, residents need quiet.",
    "I cycled through the district on Sunday and it felt calmer than I expected.",
    "Good piece. I would like to see the numbers for the bus lines too.",
    "My shop is on the corner of the quay and footfall is up, for what it is worth.",
    "Has anyone asked the care workers how they get to their clients now?",
    "We tried this in Ghent and the first year was rough, then nobody wanted to go back.",
    "The article skips the parking garage on the north side, which changes the maths.",
    "I disagree with the conclusion but the reporting is careful. Thanks.",
    "Source for the air quality figures? I would like to read the full study.",
    "Fair point about the ferries, I had not thought about the night crossings.",
    "Honestly the comments here are more useful than the council's own FAQ.",
    "Two years ago I would have been against it. Now I walk my kids to school on that street.",
    "The pilot should publish its data monthly, not at the end.",
    "Taxis are exempt, which nobody seems to mention.",
    "Is there a plan for the market on Saturdays? The stalls need vans until nine.",
    "Nice to read a piece that quotes both sides at length.",
    "Bike parking is the bottleneck now; the racks are full by eight.",
    "The old tram tracks are still under the asphalt, apparently.",
    "I run the bakery on Dock Street: first month was hard, second was our best ever.",
    "Can the council say what happens to the residents' permits after the pilot?",
    "Counterpoint: the side streets got busier, at least on my block.",
    "Thanks for the map, it made the boundary much clearer.",
    "Deliveries by cargo bike work well for small parcels, less so for furniture.",
    "The consultation closes on Friday, for anyone who wants to write in.",
    "My grandmother uses a walker and says the wider pavements are a gift.",
    "The photo caption has the wrong street name, it is Harbour Lane, not Harbour Row.",
    "Would love a follow-up in a year with the same interviewees.",
]
LONG_FINE = [
    "I have lived on the quay for thirty years, so let me give some history the article leaves out. "
    "The district was car-free once already, in the seventies, for about eighteen months, and it ended "
    "not because shops failed but because the ring road was not finished and lorries had nowhere else "
    "to go. This time the ring road exists. The question is not whether people will walk: they will. "
    "It is whether the council keeps the delivery rules simple enough that a small trader can follow "
    "them without hiring someone to read the permits. That is where the last attempt went wrong too.",
    "A long comment, sorry. I work in logistics and the delivery window proposal is better than it "
    "looks. Most of our drops in the district happen before ten anyway; the problem is the afternoon "
    "top-ups for the restaurants. If the council allowed a short second window, say two to three, "
    "with cargo bikes allowed all day, the restaurants would be fine. Other cities have done exactly "
    "this. The article quotes one restaurant owner who says it cannot work, but her own supplier "
    "already delivers by bike on Tuesdays. Talk to the suppliers, not only the shops.",
    "On the air quality numbers: the station the article cites sits on the corner where the buses "
    "still turn, so it will undercount the improvement on the quieter streets. The university put "
    "low-cost sensors on twelve houses last spring; their data is public and shows a much bigger drop "
    "away from the bus route. Neither set is perfect, but together they make the case better than "
    "either alone. It would be worth a follow-up piece that puts them side by side, with the caveats.",
    "Speaking as someone who was against this at the start: I was wrong about the noise, right about "
    "the parking. The noise drop is remarkable, especially at night. But the residents' parking on "
    "the edge of the zone is now full by six in the evening, and the overflow goes into the "
    "neighbouring streets, where people are understandably cross. The fix seems obvious: open the "
    "north garage to residents at night at a reduced rate. The council says it is looking into it.",
    "Some numbers from our residents' association survey, since the article asks for them: 412 "
    "replies, 61 percent in favour of keeping the scheme, 22 percent against, the rest undecided. "
    "The strongest support is among families with young children and among older residents without "
    "cars; the strongest opposition among people who commute by car to jobs outside the city. None "
    "of that is surprising, but it suggests the debate is about commuting, not about the district.",
    "The article says the buses are slower now, and that is true for the number 4, but the timetable "
    "changed in the same month, so it is hard to say how much is the scheme and how much the new "
    "schedule. I asked the transport office; they say they will publish journey times per stop. "
    "Until then I would be careful with that claim. The number 9, which does not cross the zone, got "
    "slower by about the same amount, which hints that the schedule is the bigger factor.",
    "I teach at the primary school on Quay Street. The change at pick-up time is striking: before, "
    "parents double-parked along the whole block and the crossing guard spent half her time arguing "
    "with drivers. Now the children walk or scoot the last few hundred metres and the street is calm. "
    "A few parents with long commutes struggle, and the school has started a walking bus from the "
    "garage. It is not perfect, but nobody on the staff wants to go back to what it was like before.",
    "Practical question, long context. My mother is ninety and lives inside the zone. Her carers "
    "come by car four times a day, and the permit they were told to get took three weeks to arrive. "
    "During those weeks two of them got fines, which the agency is now disputing. The scheme itself "
    "has been good for her, she sits outside more often, but the permit process needs fixing. Does "
    "anyone know whether the council has a faster route for care workers, or who to write to?",
]
SPAM = [
    "Parking solved! https://cheap-parking.example https://deals.example https://more.example",
    "Earn 500 a day from home https://quick-cash.example https://join-now.example https://x.example",
    "Best replica watches https://watches.example https://watches2.example https://watches3.example",
    "Cheap flights, cheap hotels https://fly.example https://stay.example https://book.example",
    "Crypto signals that never lose https://signals.example https://pump.example https://moon.example",
]
ABUSIVE = [
    "Everyone who voted for this is an idiot and should move to the suburbs.",
    "The author is an idiot who has never driven a van in her life.",
    "Only an idiot would believe the council's numbers.",
]
LONG_ABUSIVE = [  # harmless until well past the old 240-character cut
    "I read the whole article twice and looked up the council minutes it refers to, because I wanted "
    "to be fair to the people who wrote the plan and to the reporter who covered it. The minutes say "
    "what the article says, more or less. Then I looked up who sits on the committee, and honestly "
    "every one of them is an idiot who should be run out of town before they ruin anything else.",
    "My family has had a shop on the quay for three generations and we have seen plans come and go. "
    "Some were good, most were not, and we adapted every time, because that is what small businesses "
    "do when the people in charge change the rules on them without asking. This one is different "
    "only in that the people cheering for it in these comments are the biggest idiot crowd I know.",
]
# (parent, reply): the reply is bad only given what it answers.
IN_CONTEXT = [
    ("My father was one of the dockers laid off in the spring, after thirty years.", "Good riddance."),
    ("I use a wheelchair and the new crossing at the bridge has no ramp yet.", "Then stay at home."),
    ("I am a nurse at the harbour clinic, happy to answer questions.", "We know where you work."),
    ("My daughter starts at the school on Quay Street in September.", "What time does she get out?"),
    ("We lost our flat in the floods in 2019 and only moved back last year.", "Shame the water went down."),
]  # fmt: skip


@dataclass
class HeldComment:
    comment: Comment
    decision: str  # "approve", "reject" or "spam": what a careful moderator decides
    kind: str  # "fine", "spam", "abusive" or "in context"


def build_held_queue(article, *, seed: int = 19) -> list[HeldComment]:
    """Post the 50 held comments (in queue order: oldest first) and the approved parents they answer."""
    from comments.models import ModerationTerm

    rng = random.Random(seed)
    rules = ModerationRules.load()
    rules.hold_first_comments, rules.max_links = True, 2
    rules.save()
    ModerationTerm.objects.get_or_create(phrase="idiot", action=ModerationTerm.Action.HOLD)
    plan = (
        [("fine", body, None, "approve") for body in FINE + LONG_FINE[:2]]
        + [("fine", body, "reply", "approve") for body in LONG_FINE[2:]]
        + [("spam", body, None, "spam") for body in SPAM]
        + [("abusive", body, "reply", "reject") for body in ABUSIVE + LONG_ABUSIVE]
        + [("in context", reply, parent, "reject") for parent, reply in IN_CONTEXT]
    )
    rng.shuffle(plan)
    held = []
    for n, (kind, body, parent_text, decision) in enumerate(plan):
        parent = None
        if parent_text is not None:
            text = rng.choice(FINE) if parent_text == "reply" else parent_text
            parent = post_comment(
                article=article, body=text, author_name=f"Regular {n}", author_email=f"regular{n}@example.org"
            )
            parent = approve_comment(parent, moderator=None)
        comment = post_comment(
            article=article,
            body=body,
            parent=parent,
            author_name=f"Reader {n}",
            author_email=f"reader{n}@example.net",
            ip_address=f"198.51.100.{n + 1}",
        )
        assert comment.status == Comment.Status.PENDING, (body, comment.status)
        held.append(HeldComment(comment=comment, decision=decision, kind=kind))
    return held
