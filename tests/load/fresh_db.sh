# Sourced by the load scripts that need a database of their own: fresh_db ADMIN_DATABASE_URL GATEWAY_BINARY NAME
# drops and creates database NAME on ADMIN's server, migrates it with the gateway binary and sets $url to it.
fresh_db() {
  local admin=$1 gateway=$2 name=$3
  url=${admin%/*}/$name
  psql -X -q "$admin" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
  TECHPULSE_DATABASE_URL=$url "$gateway" migrate >/dev/null
}
