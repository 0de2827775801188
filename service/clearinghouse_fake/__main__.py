"""`python -m service.clearinghouse_fake --port N`: serve the fake clearinghouse on loopback until Ctrl-C."""

import argparse
import sys

from werkzeug.serving import make_server

from . import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.clearinghouse_fake", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback by default)")
    parser.add_argument("--port", type=int, default=8090, help="port to listen on (0: any free port, printed)")
    parser.add_argument("--slow-seconds", type=float, default=5.0, help="how long member BVSLOW waits")
    parser.add_argument("--hang-seconds", type=float, default=120.0, help="how long member BVTIMEOUT waits")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, create_app(slow_seconds=args.slow_seconds, hang_seconds=args.hang_seconds),
                         threaded=True)
    print(f"Fake clearinghouse on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
