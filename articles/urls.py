"""Public pages of the articles app: articles, sources, people, quotes, feeds."""

app_name = "articles"
urlpatterns: list = []
