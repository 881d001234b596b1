"""The browser dashboard: server-rendered HTML pages and form actions on the API's own app.

No front-end build and nothing fetched from elsewhere (works offline): pages are HTML strings,
styled by one small stylesheet, with one small script that refreshes live tables by polling.
Only `routes` is imported at cold start; the page code is imported on the first page request.
"""
