#!/usr/bin/env bash
# Sharded batch on a real scheduler: starts a one-node Slurm cluster on this
# machine (Debian's slurm-wlm and munge; munged, slurmctld and slurmd on
# localhost, run from a temporary folder and stopped on exit), submits
# docs/batch.md's job array over a manifest of synthetic bursts with 4
# shards, merges the shards' catalogs with `nightburst catalog merge`, and
# checks that the merged catalog equals a one-machine run's, burst for burst:
# status, key, error, the output's SHA-256 and the report without its
# timings. Needs the host build (scripts/test.sh builds it first).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
nightburst=$root/build/apps/nightburst
[ -x "$nightburst" ] || { echo "test-slurm: build the host tree first (scripts/test.sh)" >&2; exit 1; }
for tool in munged slurmctld slurmd sbatch scontrol sqlite3; do
  command -v "$tool" >/dev/null || { echo "test-slurm: $tool missing (scripts/setup.sh installs it)" >&2; exit 1; }
done

work=$(mktemp -d)
chmod 755 "$work"
stop() {
  [ -f "$work/slurm.conf" ] && SLURM_CONF=$work/slurm.conf scontrol shutdown >/dev/null 2>&1 || true
  local pids=()
  for pid_file in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/pid"; do
    [ -f "$pid_file" ] && pids+=("$(cat "$pid_file")")
  done
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 20); do  # the daemons gone before their folder is
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 1 ] || break
    sleep 0.5
  done
  rm -rf "$work"
}
trap stop EXIT
fail() {
  echo "test-slurm: $*" >&2
  for log in "$work"/log/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -20 "$log" >&2; }; done
  exit 1
}

# Bursts and their manifest: 8 small synthetic bursts, one failing entry.
mkdir -p "$work/bursts"
for i in 1 2 3 4 5 6 7 8; do
  "$nightburst" synth "$work/bursts/b$i" --width 256 --height 192 --frames 4 --seed "$i" -q >/dev/null
done
printf '%s\n' b1 b2 b3 b4 missing b5 b6 b7 b8 > "$work/bursts/manifest.txt"

# A one-machine run to compare with (exit 1: the missing burst fails).
"$nightburst" batch "$work/bursts/manifest.txt" --out-dir "$work/one" -q && fail "the one-machine run should report the missing burst"

# munge: the key and socket in the temporary folder.
mkdir -p "$work/munge" "$work/log" "$work/state" "$work/spool"
chmod 700 "$work/munge"
head -c 1024 /dev/urandom > "$work/munge/key"
chmod 400 "$work/munge/key"
munged --key-file="$work/munge/key" --socket="$work/munge/sock" --pid-file="$work/munge/pid" \
  --log-file="$work/log/munged.log" --seed-file="$work/munge/seed" --force || fail "munged did not start"

# Slurm: one node, this machine, its cores and memory; ports off the defaults.
host=$(hostname -s)
user=$(id -un)
memory_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
cat > "$work/slurm.conf" <<CONF
ClusterName=nightburst-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$user
SlurmdUser=$user
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$work/munge/sock
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$memory_mb State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=30 State=UP
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -i || fail "slurmctld did not start"
slurmd || fail "slurmd did not start"
for _ in $(seq 30); do
  sinfo -h -o %T 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo -h -o %T | grep -q idle || fail "the node did not come up: $(sinfo 2>&1)"

# docs/batch.md's job array, with 4 shards of one core each.
cat > "$work/job.sh" <<JOB
#!/bin/bash
#SBATCH --array=0-3 --cpus-per-task=1 --mem=2G
$nightburst batch $work/bursts/manifest.txt --out-dir $work/out --shard \${SLURM_ARRAY_TASK_ID}/4 \\
  --catalog $work/out/catalog_\${SLURM_ARRAY_TASK_ID}.sqlite -q
JOB
mkdir -p "$work/out"
# Exit 1 from the shard with the missing burst is expected: --wait returns
# the highest exit code of the array's tasks.
set +e
timeout 600 sbatch --wait --chdir="$work" -o "$work/log/task_%a.log" "$work/job.sh" >/dev/null
array_status=$?
set -e
[ "$array_status" -le 1 ] || fail "the job array failed (exit $array_status)"
shards=("$work"/out/catalog_*.sqlite)
[ ${#shards[@]} -eq 4 ] || fail "expected 4 shard catalogs, found ${#shards[@]}"

"$nightburst" catalog merge "$work/merged.sqlite" "${shards[@]}" -q || fail "catalog merge failed"
# Burst by burst: what a one-machine run and the merged shards must agree on.
rows() {
  sqlite3 -separator ' | ' "$1" \
    "SELECT id, status, key, coalesce(error, ''), coalesce(output, ''), coalesce(json_remove(report, '$.stage_ms'), '') FROM bursts ORDER BY id" |
    while IFS= read -r line; do
      output=$(cut -d'|' -f5 <<<"$line" | xargs)
      hash=-
      [ -n "$output" ] && hash=$(sha256sum "$output" | cut -c1-64)
      echo "$(cut -d'|' -f1-4 <<<"$line") | $hash | $(cut -d'|' -f6- <<<"$line")"
    done
}
one_rows=$(rows "$work/one/nightburst_catalog.sqlite")
merged_rows=$(rows "$work/merged.sqlite")
[ "$(wc -l <<<"$one_rows")" -eq 9 ] || fail "the one-machine catalog has $(wc -l <<<"$one_rows") rows, not 9"
[ "$one_rows" = "$merged_rows" ] || fail "merged catalog differs from the one-machine run's:
$(diff <(echo "$one_rows") <(echo "$merged_rows"))"
before=$(sqlite3 "$work/merged.sqlite" "SELECT * FROM bursts ORDER BY id")
"$nightburst" catalog merge "$work/merged.sqlite" "${shards[@]}" -q
[ "$before" = "$(sqlite3 "$work/merged.sqlite" "SELECT * FROM bursts ORDER BY id")" ] || fail "merging again changed the catalog"
echo "test-slurm: $(sbatch --version) ran the 4-shard job array over 9 bursts; the merged catalog equals the one-machine run's (status, key, error, output SHA-256, report without timings: 8 done, 1 failed); merging again changes nothing"
