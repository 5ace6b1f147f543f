"""The editors' admin through real requests: upload, lists and filters, review queue, actions, conflicts, roles."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, ImportRun, Person, Quote, RemovedSpan, Source, Story
from tests.adminforms import form_data

AMBIGUOUS = """Iraq and NATO agree on training plan

By Jane Doe

05/03/2018

BAGHDAD - Iraqi officials said that the NATO training mission would grow. "We welcome the help," said Haider
al-Abadi, the prime minister. The plan was agreed last week.
"""


def make_user(username: str, *, group: str | None = None, superuser: bool = False):
    User = get_user_model()
    if superuser:
        return User.objects.create_superuser(username, f"{username}@example.org", "pw")
    user = User.objects.create_user(username, f"{username}@example.org", "pw", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def roles(db):
    call_command("setup_roles", stdout=io.StringIO())


@pytest.fixture
def editor(roles):
    return make_user("editor", group="Editors")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def titles(response) -> set[str]:
    return {str(a) for a in response.context["cl"].result_list}


def run_action(client, model, action: str, objs, **extra):
    data = {"action": action, "_selected_action": [o.pk for o in objs], **extra}
    return client.post(changelist(model), data, follow=True)


# --- upload ----------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_imports_many_files_with_a_manifest_and_reports_each_outcome(editor_client, seeded):
    seed = seeded["000"]
    manifest = b"filename,source,title,published_on\nnew.txt,Example News,Training plan agreed,2018-03-06\n"
    files = [
        SimpleUploadedFile("new.txt", AMBIGUOUS.encode(), content_type="text/plain"),
        SimpleUploadedFile("again.txt", seed.raw_text.encode(seed.encoding), content_type="text/plain"),
        SimpleUploadedFile("empty.txt", b"", content_type="text/plain"),
    ]
    response = editor_client.post(
        reverse("admin:articles_article_upload"),
        {"files": files, "manifest": SimpleUploadedFile("m.csv", manifest, content_type="text/csv")},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 created, 0 updated, 1 unchanged, 1 failed" in html
    assert "same bytes already imported" in html
    assert "empty" in html.split("empty.txt", 1)[1].split("</tr>", 1)[0]  # the reason is on the file's row
    run = ImportRun.objects.get(user__username="editor")
    assert (run.created, run.unchanged, run.failed) == (1, 1, 1)
    assert reverse("admin:articles_importrun_change", args=[run.pk]) in html
    created = Article.objects.get(original_filename="new.txt")
    assert created.import_run == run
    assert (created.title, created.title_origin) == ("Training plan agreed", "manifest")
    assert created.source.name == "Example News"
    assert str(created.published_on) == "2018-03-06"
    assert change_url(created) in html


@pytest.mark.django_db
def test_upload_refuses_a_manifest_without_a_filename_column(editor_client):
    response = editor_client.post(
        reverse("admin:articles_article_upload"),
        {
            "files": [SimpleUploadedFile("a.txt", AMBIGUOUS.encode())],
            "manifest": SimpleUploadedFile("m.csv", b"name,title\na.txt,X\n"),
        },
    )
    assert response.status_code == 200
    assert "needs a &#x27;filename&#x27; column" in response.content.decode()
    assert not Article.objects.exists()


# --- lists, filters, search, every model's pages -----------------------------------------


@pytest.mark.django_db
def test_article_list_filters_by_review_reason_source_story_date_and_search(admin_client, seeded):
    url = changelist(Article)
    assert titles(admin_client.get(url, {"review_reason": "date_unknown"})) == {
        str(seeded["002"]),
        str(seeded["003"]),
    }
    rudaw = Source.objects.get(name="Rudaw")
    assert titles(admin_client.get(url, {"source__id__exact": rudaw.pk})) == {
        str(seeded[k]) for k in ("000", "003", "004")
    }
    assert titles(admin_client.get(url, {"published_on__year": "2018"})) == {str(seeded["000"])}
    story = Story.objects.create(title="NATO in Iraq", slug="nato-in-iraq")
    story.articles.add(seeded["001"], seeded["004"])
    assert titles(admin_client.get(url, {"stories__id__exact": story.pk})) == {str(seeded["001"]), str(seeded["004"])}
    assert titles(admin_client.get(url, {"q": "Kadhimi"})) == {str(seeded["004"])}


@pytest.mark.django_db
def test_quote_list_filters_by_speaker_status_and_confidence(admin_client, seeded):
    quote = Quote.objects.filter(speaker__isnull=False).first()
    response = admin_client.get(changelist(Quote), {"speaker__id__exact": quote.speaker_id})
    assert {q.speaker_id for q in response.context["cl"].result_list} == {quote.speaker_id}
    unsure = admin_client.get(changelist(Quote), {"unsure": "yes"}).context["cl"].result_list
    assert unsure
    assert all(q.confidence < 0.6 and q.status == "auto" for q in unsure)


@pytest.mark.django_db
def test_every_admin_list_and_change_page_renders(admin_client, seeded):
    from django.contrib import admin

    for model in admin.site._registry:
        if model._meta.app_label not in ("articles", "timeline"):
            continue
        assert admin_client.get(changelist(model)).status_code == 200, model
        obj = model._default_manager.first()
        if obj is not None:
            assert admin_client.get(change_url(obj)).status_code == 200, model


@pytest.mark.django_db
def test_person_autocomplete_offers_only_people_not_merged(admin_client, seeded):
    nato = Person.objects.get(name="NATO")
    loser = Person.objects.create(name="NATO alliance", slug="nato-alliance", kind="organisation", merged_into=nato)
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "NATO", "app_label": "articles", "model_name": "quote", "field_name": "speaker"},
    )
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert nato.pk in ids
    assert loser.pk not in ids


# --- the article page: raw text beside the body -----------------------------------------


@pytest.mark.django_db
def test_article_page_shows_raw_text_beside_body_with_spans_highlighted(admin_client, seeded):
    article = seeded["000"]
    html = admin_client.get(change_url(article)).content.decode()
    raw = html.split('id="curation-raw">', 1)[1].split("</pre>", 1)[0]
    body = html.split('id="curation-body">', 1)[1].split("</pre>", 1)[0]
    quote = article.quotes.exclude(status="rejected").first()
    assert "hl-quote" in body
    assert "hl-name" in body
    assert "hl-date" in body
    assert "hl-removed" in raw
    assert quote.text.split()[0] in body
    assert article.removed_spans.count() == html.count(
        'formaction="' + reverse("admin:articles_article_restore_span", args=[article.pk])
    )


@pytest.mark.django_db
def test_restoring_a_removed_span_from_the_article_page_puts_it_back_in_the_body(admin_client, seeded):
    article = seeded["000"]
    span = article.removed_spans.filter(restored=False).order_by("-raw_end").first()
    text = max(span.text.splitlines(), key=len).strip()  # the cleaner re-flows blank lines, not words
    assert text not in article.body
    response = admin_client.post(
        reverse("admin:articles_article_restore_span", args=[article.pk]), {"span": span.pk}, follow=True
    )
    assert response.status_code == 200
    article.refresh_from_db()
    assert text in article.body
    assert RemovedSpan.objects.get(pk=span.pk).restored
    for q in article.quotes.all():
        assert article.body[q.start : q.end] == q.text


# --- the review queue ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_review_queue_lists_missing_dates_first_then_other_reasons_then_unsure_quotes(admin_client, seeded):
    response = admin_client.get(reverse("admin:articles_article_review"))
    assert response.status_code == 200
    order = [row["article"].original_filename[:3] for row in response.context["rows"]]
    assert set(order[:2]) == {"002", "003"}  # date unknown
    assert order[2] == "001"  # outlet unknown
    assert order[3:] == ["004"]  # only quotes below the threshold
    html = response.content.decode()
    assert "Publication date unknown" in html
    assert "Confirm Rudaw" in html


@pytest.mark.django_db
def test_review_queue_can_be_cleared_in_the_admin(admin_client, seeded):
    queue = reverse("admin:articles_article_review")
    a002, a003, a001 = seeded["002"], seeded["003"], seeded["001"]
    set_date = reverse("admin:articles_article_set_date", args=[a002.pk])
    admin_client.post(set_date, {"published_on": "2020-02-14", "next": queue})
    admin_client.post(reverse("admin:articles_article_set_date", args=[a003.pk]), {"published_on": "2018-02-16"})
    admin_client.post(reverse("admin:articles_article_confirm_source", args=[a003.pk]))
    rudaw = Source.objects.get(name="Rudaw")
    for article in (a001, a002):
        page = admin_client.get(change_url(article))
        data = form_data(page.content, "article_form")
        data["source"] = [str(rudaw.pk)]
        data["title"] = [article.title or "NATO to stay in Iraq"]
        assert admin_client.post(change_url(article), data).status_code == 302
    for q in Quote.objects.needs_review():
        admin_client.post(reverse("admin:articles_article_quote_status"), {"quote": q.pk, "status": "verified"})
    response = admin_client.get(queue)
    assert response.context["rows"] == []
    assert "Nothing needs review" in response.content.decode()
    a002.refresh_from_db()
    assert a002.history.count() > 1
    assert a002.history.first().history_user.username == "admin"


# --- actions --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_withdraw_asks_for_a_reason_then_publish_brings_the_article_back(editor_client, seeded):
    article = seeded["000"]
    page = run_action(editor_client, Article, "withdraw", [article])
    assert "Withdraw articles" in page.content.decode()
    article.refresh_from_db()
    assert article.status == "published"
    run_action(editor_client, Article, "withdraw", [article], apply="1", reason="Withdrawn at the outlet's request")
    article.refresh_from_db()
    assert (article.status, article.withdrawn_reason) == ("withdrawn", "Withdrawn at the outlet's request")
    run_action(editor_client, Article, "publish", [article])
    article.refresh_from_db()
    assert (article.status, article.withdrawn_reason) == ("published", "")


@pytest.mark.django_db
def test_mark_reviewed_is_refused_until_every_quote_is_verified_or_rejected(editor_client, seeded):
    article = seeded["000"]
    page = run_action(editor_client, Article, "mark_reviewed", [article])
    assert "neither verified nor rejected" in page.content.decode()
    article.refresh_from_db()
    assert article.reviewed_at is None
    quotes = list(article.quotes.all())
    run_action(editor_client, Quote, "verify", quotes[:-1])
    run_action(editor_client, Quote, "reject", quotes[-1:])
    assert {q.status for q in article.quotes.all()} == {"verified", "rejected"}
    run_action(editor_client, Article, "mark_reviewed", [article])
    article.refresh_from_db()
    assert article.reviewed_at is not None


@pytest.mark.django_db
def test_mark_reviewed_is_refused_while_a_review_reason_remains(editor_client, seeded):
    article = seeded["001"]
    article.quotes.update(status="verified")
    page = run_action(editor_client, Article, "mark_reviewed", [article])
    assert "Outlet unknown" in page.content.decode()
    article.refresh_from_db()
    assert article.reviewed_at is None


@pytest.mark.django_db
def test_add_to_story_action_creates_the_story_and_groups_the_articles(editor_client, seeded):
    run_action(
        editor_client, Article, "add_to_story", [seeded["000"], seeded["004"]], apply="1", new_title="NATO in Iraq"
    )
    story = Story.objects.get(title="NATO in Iraq")
    assert story.slug == "nato-in-iraq"
    assert set(story.articles.all()) == {seeded["000"], seeded["004"]}


@pytest.mark.django_db
def test_merge_people_action_asks_for_the_survivor(editor_client, seeded):
    survivor = Person.objects.get(name="Jens Stoltenberg")
    loser = Person.objects.create(name="J. Stoltenberg", slug="j-stoltenberg")
    page = run_action(editor_client, Person, "merge_people", [survivor, loser])
    assert "Merge people" in page.content.decode()
    run_action(editor_client, Person, "merge_people", [survivor, loser], apply="1", survivor=str(survivor.pk))
    loser.refresh_from_db()
    assert loser.merged_into == survivor
    assert survivor.aliases.filter(name="J. Stoltenberg").exists()


# --- two editors, one article ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_stale_save_is_refused_with_a_message_and_the_editors_input_is_kept(client, roles, seeded):
    article = seeded["000"]
    first, second = make_user("first", group="Editors"), make_user("second", group="Editors")
    client.force_login(first)
    stale = form_data(client.get(change_url(article)).content, "article_form")
    client.force_login(second)
    fresh = form_data(client.get(change_url(article)).content, "article_form")
    fresh["title"] = ["Second editor's headline"]
    assert client.post(change_url(article), fresh).status_code == 302

    client.force_login(first)
    stale["title"] = ["First editor's headline"]
    response = client.post(change_url(article), stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this article while you were editing it" in html
    assert "First editor&#x27;s headline" in html  # still in the form, not lost
    article.refresh_from_db()
    assert article.title == "Second editor's headline"


# --- history ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_history_shows_who_changed_what_and_reverts_it(admin_client, seeded):
    article = seeded["000"]
    original = article.title
    data = form_data(admin_client.get(change_url(article)).content, "article_form")
    data["title"] = ["A wrong headline"]
    admin_client.post(change_url(article), data)
    history = admin_client.get(reverse("admin:articles_article_history", args=[article.pk])).content.decode()
    assert "A wrong headline" in history
    assert "admin" in history
    old = article.history.order_by("history_date").first()
    revert_url = reverse("admin:articles_article_simple_history", args=[article.pk, old.history_id])
    data = form_data(admin_client.get(revert_url).content)
    assert data["title"] == [original]
    assert admin_client.post(revert_url, data).status_code == 302
    article.refresh_from_db()
    assert article.title == original
    assert "title" in article.locked_fields
    assert article.history.first().history_user.username == "admin"


# --- permissions --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_permission_matrix_for_anonymous_viewer_editor_and_superuser(client, roles, seeded):
    article, source = seeded["000"], Source.objects.get(name="Rudaw")
    users = {
        "anonymous": None,
        "viewer": make_user("viewer", group="Viewers"),
        "reviewer": make_user("reviewer", group="Reviewers"),
        "editor": make_user("editor", group="Editors"),
        "superuser": make_user("root", superuser=True),
    }
    pages = {
        "list": changelist(Article),
        "change": change_url(article),
        "queue": reverse("admin:articles_article_review"),
        "upload": reverse("admin:articles_article_upload"),
        "history": reverse("admin:articles_article_history", args=[article.pk]),
        "delete_article": reverse("admin:articles_article_delete", args=[article.pk]),
        "delete_source": reverse("admin:articles_source_delete", args=[source.pk]),
    }
    allowed = {
        "anonymous": set(),
        "viewer": {"list", "change", "queue", "history"},
        "reviewer": {"list", "change", "queue", "history"},
        "editor": {"list", "change", "queue", "history", "upload"},
        "superuser": set(pages),
    }
    for role, user in users.items():
        client.logout()
        if user:
            client.force_login(user)
        for page, url in pages.items():
            status = client.get(url).status_code
            if role == "anonymous":
                assert status == 302, (role, page)  # to the login page
            else:
                assert (status == 200) == (page in allowed[role]), (role, page, status)

        # Actions: publish (editors), verify quotes (reviewers and editors).
        Article.objects.filter(pk=article.pk).update(status="draft")
        quote = article.quotes.first()
        Quote.objects.filter(pk=quote.pk).update(status="auto")
        run_action(client, Article, "publish", [article])
        run_action(client, Quote, "verify", [quote])
        article.refresh_from_db()
        quote.refresh_from_db()
        assert (article.status == "published") == (role in ("editor", "superuser")), role
        assert (quote.status == "verified") == (role in ("reviewer", "editor", "superuser")), role

    # Nobody but a superuser deletes, even by the list's bulk action.
    client.force_login(users["editor"])
    run_action(client, Article, "delete_selected", [article], post="yes")
    assert Article.objects.filter(pk=article.pk).exists()
    client.force_login(users["superuser"])
    client.post(pages["delete_article"], {"post": "yes"})
    assert not Article.objects.filter(pk=article.pk).exists()
