#!/usr/bin/env bash
# Kafka 4 (KRaft) + Kafka Connect + Debezium jars from Maven Central, laid out as a Kafka home the real tests run:
#   $LAB_CACHE/kafka-<kafka ver>/libs                  broker + Connect worker classpath
#   $LAB_CACHE/kafka-<kafka ver>/plugins/<connector>   Connect plugin.path, one dir per plugin
#   $LAB_KAFKA_HOME (= $LAB_CACHE/kafka) -> kafka-<ver> what tests/testbed/kafka.ts reads
# Idempotent: skipped when the stamp (hash of the poms) matches; the Maven repository is cached under $LAB_M2.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/lib/cache.sh
source .ci/lib/apt.sh
jars=images/connect/jars
t0=$(date +%s)

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
((${#missing[@]})) && apt_install_no_start "${missing[@]}"
java_version=$(java -version 2>&1)
[[ "$java_version" =~ version\ \"(1[7-9]|[2-9][0-9]) ]] || { echo "30-kafka: Kafka 4 needs Java 17+, found: ${java_version%%$'\n'*}" >&2; exit 1; }

kafka_ver=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$jars/pom.xml")
home=$LAB_CACHE/kafka-${kafka_ver}
stamp=$(cat "$jars"/pom.xml "$jars"/*/pom.xml "$jars"/settings.xml | sha256sum | cut -c1-16)
if [[ -f "$home/.stamp" && "$(cat "$home/.stamp")" == "$stamp" ]]; then
  echo "30-kafka: $home is up to date (stamp $stamp)"
else
  building=$(mktemp -d "$LAB_CACHE/kafka-build-XXXXXX")
  mvn -B -q -s "$jars/settings.xml" -Dmaven.repo.local="$LAB_M2" -Dlab.kafka.home="$building" \
    -f "$jars/pom.xml" package
  # The build's own target dirs are only Maven's bookkeeping.
  find "$jars" -name target -type d -prune -exec rm -rf {} +
  # The Apicurio converter ships no ServiceLoader manifests: Kafka's own tool adds a shim jar with them, so workers
  # can keep plugin.discovery=service_load (a full scan costs ~12 s a worker start on 2 cores).
  if ! synced=$(java -cp "$building/libs/*" -Dlog4j2.configurationFile=none org.apache.kafka.tools.ConnectPluginPath \
      sync-manifests --plugin-location "$building/plugins/apicurio-converter" 2>&1); then
    echo "$synced" >&2; exit 1
  fi
  printf '%s\n' "$synced" | sed -n 's/^Sync\t.*\/\(.*\)/30-kafka: manifests: \1/p'
  echo "$stamp" > "$building/.stamp"
  rm -rf "$home" && mv "$building" "$home" && chmod -R a+rX "$home"
  echo "30-kafka: laid out $home in $(( $(date +%s) - t0 )) s"
fi
ln -sfn "$home" "$LAB_KAFKA_HOME"
echo "30-kafka: libs $(ls "$home/libs" | wc -l) jars, plugins: $(ls "$home/plugins" | tr '\n' ' ')($(du -sh "$home" | cut -f1)) in $(( $(date +%s) - t0 )) s"
