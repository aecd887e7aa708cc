#!/usr/bin/env bash
# Installs or starts what the tests need when it is missing: Debian's
# Chromium for the browser tests, the local PostgreSQL server for the
# PostgreSQL store tests and NATS for the cluster tests. Safe to run again.
set -u
need_apt_update=1
apt_install() {
	if [ "$(id -u)" != 0 ]; then
		echo "test-deps: $1 is missing and I am not root; install it with: sudo apt-get install -y $1" >&2
		return 1
	fi
	if [ $need_apt_update = 1 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
		need_apt_update=0
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
}

if ! command -v chromium >/dev/null 2>&1; then
	echo "test-deps: installing chromium for the browser tests"
	apt_install chromium || exit 1
fi

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
	echo "test-deps: starting PostgreSQL"
	pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
# NATS with JetStream, for the multi-node (cluster) tests.
if ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
	if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
		echo "test-deps: installing nats-server for the cluster tests"
		apt_install nats-server || exit 1
	fi
	echo "test-deps: starting NATS (JetStream) on 127.0.0.1:4222"
	mkdir -p /var/lib/nats-server
	start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server || echo /usr/sbin/nats-server)" -- \
		-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		(exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null && break
		sleep 0.5
	done
fi
exit 0
