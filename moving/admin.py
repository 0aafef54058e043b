from django import forms
from django.conf import settings
from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from moving import jobs
from moving.models import ImportJob, LegacyComment, LegacyPost


class UploadForm(forms.ModelForm):
    file = forms.FileField(help_text="A WordPress export (WXR) or a Disqus export (XML).")

    class Meta:
        model = ImportJob
        fields = ["source"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.MOVING_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; uploads stop at {filesizeformat(limit)}. "
                "Import larger files with `manage.py import_wordpress FILE` on the server."
            )
        return upload


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["file_name", "source", "state", "progress_bar", "created_at", "created_by"]
    list_filter = ["state", "source"]
    actions = ["run_imports"]
    readonly_fields = ["source", "file_name", "state", "progress_bar", "report_text", "error", "created_by",
                       "created_at", "finished_at"]  # fmt: skip
    fields = readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            return UploadForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["source", "file"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data["file"]
        job = jobs.create_job(source=obj.source, file_name=upload.name, data=upload.read(), user=request.user)
        obj.pk = job.pk
        self.message_user(request, "Uploaded: the worker is checking it. Reload this page for the report.")

    @admin.display(description="progress")
    def progress_bar(self, job):
        return format_html(
            '<progress max="100" value="{}">{}%</progress> {}%', job.progress, job.progress, job.progress
        )

    @admin.display(description="report")
    def report_text(self, job):
        heading = "Dry run (nothing written yet)" if job.state == ImportJob.State.CHECKED else "Report"
        return format_html("<strong>{}</strong><pre>{}</pre>", heading, job.report) if job.report else "-"

    @admin.action(description="Run the selected checked imports")
    def run_imports(self, request, queryset):
        started = sum(jobs.start_job(job) for job in queryset)
        self.message_user(request, f"{started} import(s) started; the worker reports progress here.")


@admin.register(LegacyPost)
class LegacyPostAdmin(admin.ModelAdmin):
    list_display = ["source", "old_id", "old_path", "article", "imported_at"]
    list_filter = ["source"]
    search_fields = ["old_id", "old_path"]
    raw_id_fields = ["article"]


@admin.register(LegacyComment)
class LegacyCommentAdmin(admin.ModelAdmin):
    list_display = ["source", "old_id", "article", "comment"]
    list_filter = ["source"]
    search_fields = ["old_id"]
    raw_id_fields = ["article", "comment"]
