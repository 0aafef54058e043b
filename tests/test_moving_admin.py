"""Editors upload an export in the admin, read the dry run, then let the worker import it."""

import pytest
from django.test import TestCase
from django.urls import reverse

from articles.models import Article
from moving.models import ImportJob
from tests.moving_helpers import DATA
from tests.queue import run_tasks

pytestmark = pytest.mark.django_db

ADD = reverse("admin:moving_importjob_add")
CHANGES = reverse("admin:moving_importjob_changelist")


def upload(client, name: str, source: str = "wordpress"):
    with TestCase.captureOnCommitCallbacks(execute=True), open(DATA / name, "rb") as file:
        return client.post(ADD, {"source": source, "file": file})


def run_selected(client, job):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(CHANGES, {"action": "run_imports", "_selected_action": [job.pk]})


def test_an_upload_is_checked_by_the_worker_and_imported_when_the_editor_says_so(staff_client):
    response = upload(staff_client, "wordpress-1.2.xml")
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.CHECKING

    run_tasks()

    job.refresh_from_db()
    assert job.state == ImportJob.State.CHECKED and job.progress == 100
    assert "Comments: 10 new (6 approved, 1 pending, 2 removed, 1 spam) would import" in job.report
    assert not Article.objects.exists()
    page = staff_client.get(reverse("admin:moving_importjob_change", args=[job.pk]))
    assert "Dry run (nothing written yet)" in page.text and "would import" in page.text

    run_selected(staff_client, job)
    run_tasks()

    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert "Comments: 10 new (6 approved, 1 pending, 2 removed, 1 spam) imported" in job.report
    assert Article.objects.filter(slug="night-trains").exists()


def test_a_hostile_upload_fails_its_check_with_the_reason(staff_client):
    upload(staff_client, "billion-laughs.xml")

    run_tasks()

    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.FAILED
    assert "line 3: refused: the file declares XML entities" in job.error
    run_selected(staff_client, job)
    assert run_tasks() == 0 and not Article.objects.exists()


def test_an_upload_over_the_limit_is_refused_with_a_message(staff_client, settings):
    settings.MOVING_UPLOAD_MAX_BYTES = 1000

    response = upload(staff_client, "wordpress-1.2.xml")

    assert response.status_code == 200
    assert "uploads stop at 1000" in response.text
    assert not ImportJob.objects.exists()


def test_a_disqus_upload_is_read_as_disqus(staff_client):
    upload(staff_client, "disqus.xml", source="disqus")

    run_tasks()

    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.CHECKED
    assert "threads matching no article" in job.report
