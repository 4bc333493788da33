#!/usr/bin/env bash
# Start the services process (actions, portal page, widget) and the Rasa server; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
RASA_PORT="${RASA_PORT:-5005}"
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
MODEL="${MODEL:-models/citizenbot.tar.gz}"
# What the assistant writes (conversations, records, tokens, logs) is readable by its own user only.
umask 077
mkdir -p var/log
started=$(date +%s)

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$RASA_PORT" "$ACTIONS_PORT"; do
  if port_busy "$port"; then
    echo "Port $port is already in use (another 'make run'?). Stop it or set RASA_PORT / ACTIONS_PORT." >&2
    exit 1
  fi
done

pids=()
stop() {  # [exit code]: none for a stop that was asked for (Ctrl-C, SIGTERM), which ends with 0
  local code=${1:-$?}
  trap - INT TERM EXIT
  echo; echo "Stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
  exit "$code"
}
trap 'stop 0' INT TERM
trap stop EXIT

# endpoints.yml reads where the action server listens; its token and Rasa's API token are generated once
# into var/ (mode 600) by whichever process starts first, unless set in the environment.
export CITIZENBOT_ACTIONS_URL="http://127.0.0.1:${ACTIONS_PORT}/webhook"

PYTHONPATH="$PWD" .venv/services/bin/python -m bot.services.server --port "$ACTIONS_PORT" \
  --rasa-url "http://localhost:${RASA_PORT}" $([ "${DEMO:-}" = 1 ] && echo --demo) >var/log/services.log 2>&1 &
pids+=($!)
# Browsers may call Rasa from province.yml's web.allowed_origins and from the demo portal served below.
PYTHONPATH="$PWD" .venv/rasa/bin/python -m bot.rasa_server --model "$MODEL" --port "$RASA_PORT" \
  --allow-origin "http://localhost:${ACTIONS_PORT}" --allow-origin "http://127.0.0.1:${ACTIONS_PORT}" \
  >var/log/rasa.log 2>&1 &
pids+=($!)

echo "Starting the services (port $ACTIONS_PORT) and the Rasa server (port $RASA_PORT); the first model load takes 1–2 minutes…"
wait_for() {  # url name
  for _ in $(seq 1 300); do
    for pid in "${pids[@]}"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "A process died while starting; see var/log/services.log and var/log/rasa.log:" >&2
        tail -n 20 var/log/services.log var/log/rasa.log >&2
        exit 1
      fi
    done
    if curl -fs -o /dev/null "$1"; then return 0; fi
    sleep 1
  done
  echo "$2 did not become ready in 300 s; see var/log/" >&2
  exit 1
}
wait_for "http://localhost:${ACTIONS_PORT}/health" "The services process"
wait_for "http://localhost:${RASA_PORT}/webhooks/rest/" "The Rasa server"

cat <<MSG

Ready in $(( $(date +%s) - started )) s.
  Chat in the browser:   http://localhost:${ACTIONS_PORT}/   (the portal page with the chat widget)
  Staff console:         http://localhost:${ACTIONS_PORT}/console/   (first an account: .venv/services/bin/citizenbot staff add NAME --role editor)
  REST channel:          curl -s localhost:${RASA_PORT}/webhooks/rest/webhook -d '{"sender":"me","message":"xin chào"}'
  Staff API:             localhost:${ACTIONS_PORT}/api/staff/handoffs (token: \$CITIZENBOT_STAFF_TOKEN or var/staff_token)
  Rasa's HTTP API:       localhost:${RASA_PORT}/status?token=… (token: \$RASA_AUTH_TOKEN or var/rasa_api_token)
  Logs:                  var/log/rasa.log, var/log/services.log
  Dossier look-up:       $([ "${DEMO:-}" = 1 ] && echo "demo dossiers loaded (try 000.00.04.H51-261118-0002, digits 0222)" || echo "real dossiers only: citizenbot dossiers load FILE.csv, or make run DEMO=1 for the demo set")
Press Ctrl-C to stop.
MSG
status=0
wait -n "${pids[@]}" || status=$?
# Ctrl-C in a terminal reaches the whole process group: the servers may stop (exit 0, or 130/143 for
# SIGINT/SIGTERM) before this script's own trap runs. A server only ends that way when told to.
if [ "$status" = 0 ] || [ "$status" = 130 ] || [ "$status" = 143 ]; then
  stop 0
fi
echo "A process exited unexpectedly (exit status $status); see var/log/rasa.log and var/log/services.log." >&2
exit 1
