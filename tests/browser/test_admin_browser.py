"""An editor's path through the admin in Chromium: upload, correct a speaker, re-extract, revert from history."""

from __future__ import annotations

import io
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from articles.models import Article, Job, Person, Quote
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import SEEDS

# Transactional: the live server's thread sees the rows; serialized_rollback brings back the migrations' data.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SEED = SEEDS / "000_76a89b2da42309f4.txt"
PASSWORD = "a long editor password"


@pytest.fixture
def in_process_tasks():
    """Re-extraction runs in the live server's process, as without a broker, whatever CELERY_BROKER_URL says."""
    from newsarchive.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def editor(db):
    # After another transactional test the restored rows are not always there when Chromium's fixtures run
    # first: make sure the content types and permissions exist (as post_migrate would) before the groups.
    ContentType.objects.clear_cache()
    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0)
    call_command("setup_roles", stdout=io.StringIO())
    user = get_user_model().objects.create_user("editor", "editor@example.org", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"admin-{name}.png"), full_page=True)


def choose_speaker(page, name: str) -> None:
    """Pick a person in the speaker's autocomplete (select2), as an editor types and clicks."""
    page.locator(".field-speaker .select2-selection").click()
    page.locator(".select2-search__field").fill(name.split()[-1])
    page.locator(".select2-results__option", has_text=name).first.click()


def test_editor_uploads_corrects_a_speaker_reextracts_and_reverts_from_history(
    page, live_server, editor, in_process_tasks
):
    site = live_server.url
    page.goto(site + "/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))

    # Upload a raw file through the admin: the result page lists it as created.
    page.goto(site + "/admin/articles/article/upload/")
    shot(page, "upload-page")
    page.set_input_files("input[name=files]", str(SEED))
    shot(page, "upload")
    page.click("input[type=submit][value='Upload and import']")
    page.wait_for_load_state()
    assert "created" in page.locator("#content").inner_text()
    shot(page, "upload-result")
    article = Article.objects.get(original_filename=SEED.name)

    # Correct a quote's speaker on the quote's page.
    quote = article.quotes.select_related("speaker").order_by("start").first()
    machine = quote.speaker
    right = Person.objects.exclude(pk=getattr(machine, "pk", None)).get(name="Haider al-Abadi")
    page.goto(f"{site}/admin/articles/quote/{quote.pk}/change/")
    choose_speaker(page, right.name)
    shot(page, "quote-correct-speaker")
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/admin/articles/quote/(\?.*)?$"))
    quote.refresh_from_db()
    assert quote.speaker == right
    assert "speaker" in quote.locked_fields

    # Re-extract the article with the admin action: the job runs, the correction stays.
    page.goto(site + "/admin/articles/article/")
    page.locator(f"input[name=_selected_action][value='{article.pk}']").check()
    page.select_option("select[name=action]", "reextract_selected")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert "re-extracts 1 articles" in page.locator("ul.messagelist").inner_text()
    shot(page, "reextract-started")
    job = Job.objects.get()
    assert job.status == Job.Status.DONE, job.failures
    page.goto(f"{site}/admin/articles/quote/{quote.pk}/change/")
    assert right.name in page.locator(".field-speaker").inner_text()
    shot(page, "quote-after-reextract")
    assert Quote.objects.get(pk=quote.pk).speaker == right

    # Revert the correction from the quote's history: the version the machine wrote comes back.
    page.goto(f"{site}/admin/articles/quote/{quote.pk}/history/")
    history = page.locator("#change-history").inner_text()
    assert "editor" in history  # who
    assert right.name in history  # and what: the diff of the speaker
    shot(page, "quote-history")
    page.locator("#change-history a[href*='/history/']").last.click()
    page.wait_for_url(re.compile(r"/history/\d+/$"))
    shot(page, "quote-revert")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    quote.refresh_from_db()
    assert quote.speaker == machine
    assert (machine.name if machine else "-") in page.locator(f"tr:has(a[href*='/quote/{quote.pk}/'])").inner_text()
    shot(page, "quote-reverted")
