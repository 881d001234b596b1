"""What the test suite shares, so that no test writes these again.

- `servers`: an ASGI app served by uvicorn, or a `http.server` handler, on a free port; an HTTP/1.0
  proxy like the SDK suite's.
- `stacks`: the local stack (moto + API Gateway + pump) serving a functions module.
- `waiting`: polling until a condition holds, with a deadline and a message saying what failed.
- `registration`: `POST /fn/register` bodies for hand-written apps served elsewhere.
- `apps/`: the test apps (functions modules the tests serve).
"""
