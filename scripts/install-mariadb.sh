#!/usr/bin/env bash
# Makes sure a MariaDB server answers on 127.0.0.1:3306 and lets root in without a password, for the
# MariaDB run of the end-to-end suite. Starts an installed server, or installs Debian's package.
# Never fails the caller itself, and never waits long: without MariaDB every MariaDB end-to-end test
# FAILS with the reason (vitest.config.ts), unless the run sets E2E_MARIADB=skip.
set -u
say() { echo "install-mariadb: $*"; }
give_up() { say "$*; the MariaDB end-to-end tests will fail (E2E_MARIADB=skip skips them)"; exit 0; }
ready() { timeout 8 mysql -h 127.0.0.1 -P 3306 -u root --protocol=tcp --connect-timeout=3 -N -e 'select 1' >/dev/null 2>&1; }
server() { command -v mariadbd 2>/dev/null || ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -1; }

if command -v mysql >/dev/null 2>&1 && ready; then say "MariaDB is running"; exit 0; fi

if [ -z "$(server)" ] || ! command -v mysql >/dev/null 2>&1; then
	if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
		say "installing Debian's mariadb-server and mariadb-client packages"
		(timeout 600 apt-get -o DPkg::Lock::Timeout=300 update -qq &&
			DEBIAN_FRONTEND=noninteractive timeout 900 apt-get -o DPkg::Lock::Timeout=300 install -y -qq mariadb-server mariadb-client >/dev/null) ||
			give_up "could not install MariaDB (apt-get failed)"
	else
		give_up "no MariaDB server or mysql client, and no way to install them here (needs root and apt-get)"
	fi
fi

binary=$(server)
[ -n "$binary" ] || give_up "no mariadbd found after installing"
if ! ready; then
	mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null
	if [ ! -d /var/lib/mysql/mysql ] && command -v mariadb-install-db >/dev/null 2>&1; then
		say "initialising the data directory"
		timeout 120 mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null 2>&1 || give_up "mariadb-install-db failed"
	fi
	say "starting $binary"
	start-stop-daemon --start --oknodo --background --exec "$binary" -- --user=mysql --bind-address=127.0.0.1 --port=3306 >/dev/null 2>&1 ||
		give_up "start-stop-daemon could not start $binary"
fi

for _ in $(seq 1 30); do
	ready && { say "MariaDB is running"; exit 0; }
	# A fresh Debian server lets root in through its socket only: let root in from 127.0.0.1 without a
	# password too (a local test server, like PostgreSQL's trust line).
	if timeout 8 mysql -u root --protocol=socket -N -e 'select 1' >/dev/null 2>&1; then
		timeout 8 mysql -u root --protocol=socket -e "
			CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
			GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
			ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
			FLUSH PRIVILEGES;" >/dev/null 2>&1 || true
	fi
	sleep 1
done
give_up "MariaDB did not answer on 127.0.0.1:3306 as root without a password within 30 s"
