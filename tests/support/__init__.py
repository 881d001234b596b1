"""What the test suite shares: servers on free ports, local stacks, waiting, and the test apps.

- `servers`: an ASGI app served by uvicorn on a free port; an HTTP/1.0 proxy like the SDK suite's.
- `stacks`: the local stack (moto + API Gateway + pump) serving a functions module.
- `waiting`: polling until a condition holds, with a deadline and a message saying what failed.
"""
