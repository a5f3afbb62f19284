#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 with trust authentication, for the
# PostgreSQL run of the end-to-end suite. Starts an installed cluster, or installs Debian's package.
# Never fails the caller itself: without PostgreSQL every PostgreSQL end-to-end test FAILS with the
# reason (vitest.config.ts), unless the run sets E2E_POSTGRES=skip.
set -u
ready() { pg_isready -h 127.0.0.1 -p 5432 -t 3 >/dev/null 2>&1; }
# PostGIS, for geometry fields (the fidelity test carries geometry where the database supports it).
postgis() {
	local major
	major=$(psql -h 127.0.0.1 -U postgres -Atc 'show server_version_num' 2>/dev/null | cut -c1-2)
	[ -n "$major" ] || return 0
	if [ ! -f "/usr/share/postgresql/$major/extension/postgis.control" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
		echo "install-postgres: installing Debian's postgresql-$major-postgis-3"
		(apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "postgresql-$major-postgis-3" >/dev/null) \
			|| echo "install-postgres: could not install PostGIS; geometry is then tested on no database"
	fi
}
if command -v pg_isready >/dev/null 2>&1 && ready; then postgis; echo "install-postgres: PostgreSQL is running"; exit 0; fi
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
	if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
		echo "install-postgres: installing Debian's postgresql package"
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || {
			echo "install-postgres: could not install PostgreSQL; the PostgreSQL end-to-end tests will fail (E2E_POSTGRES=skip skips them)"; exit 0; }
	else
		echo "install-postgres: no PostgreSQL and no way to install it here; the PostgreSQL end-to-end tests will fail (E2E_POSTGRES=skip skips them)"; exit 0
	fi
fi
version=$(ls /etc/postgresql | sort -V | tail -1)
conf=/etc/postgresql/$version/main
# Local test server only: trust connections from this machine.
if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf" 2>/dev/null; then
	sed -i '1i host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf" 2>/dev/null || true
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true
for _ in $(seq 1 20); do ready && { postgis; echo "install-postgres: PostgreSQL is running"; exit 0; }; sleep 1; done
echo "install-postgres: PostgreSQL did not start; the PostgreSQL end-to-end tests will fail (E2E_POSTGRES=skip skips them)"
exit 0
