"""Public pages of the articles app: articles, sources, people, quotes, feeds."""

from django.urls import path

from articles import feeds, views

app_name = "articles"
urlpatterns = [
    path("articles/", views.article_list, name="article_list"),
    path("articles/<slug:slug>/", views.article_detail, name="article"),
    path("articles/<slug:slug>/raw/", views.article_raw, name="article_raw"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<slug:slug>/", views.source_detail, name="source"),
    path("sources/<slug:slug>/feed/", feeds.SourceFeed(), name="source_feed"),
    path("sources/<slug:slug>/feed/atom/", feeds.SourceAtomFeed(), name="source_feed_atom"),
    path("people/", views.person_list, name="person_list"),
    path("people/<slug:slug>/", views.person_detail, name="person"),
    path("people/<slug:slug>/feed/", feeds.PersonFeed(), name="person_feed"),
    path("people/<slug:slug>/feed/atom/", feeds.PersonAtomFeed(), name="person_feed_atom"),
    path("quotes/", views.quote_list, name="quote_list"),
    path("feeds/articles.rss", feeds.ArticleFeed(), name="feed_rss"),
    path("feeds/articles.atom", feeds.ArticleAtomFeed(), name="feed_atom"),
]
