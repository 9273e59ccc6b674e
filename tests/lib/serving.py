# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A socketserver (an HTTP test server, a proxy) serving in a daemon thread for the length of a ``with`` block."""

import contextlib
import threading


@contextlib.contextmanager
def serving(server):
    """Serve ``server`` in a thread; yield it; then shut it down and close its socket."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
