# Shared by bin/lookupd and bin/broker (POSIX sh, sourced, not run). The caller sets DAEMON
# (lookupd or broker) and BEACON_HOME (the unpacked archive); this file picks the JVM flags and
# replaces the shell with the JVM (exec), so the daemon's process id is the launcher's: a
# supervisor's SIGTERM reaches the JVM directly, and its exit status is the daemon's.
#
# JVM flags, later ones win (HotSpot takes the last of a repeated flag):
#   1. chosen here from the machine (heap, young generation cap, collector, stack size,
#      -XX:+ExitOnOutOfMemoryError, class data sharing);
#   2. conf/jvm.options: one flag per line; "#" starts a comment; a line "broker: FLAG" or
#      "lookupd: FLAG" applies to that daemon only;
#   3. JAVA_OPTS from the environment (split on blanks, as every JVM launcher does).
# A heap flag (-Xmx, -Xms, -XX:MaxRAMPercentage, ...) given in 2 or 3 replaces the chosen heap
# flags entirely, so an -Xmx below the chosen -Xms cannot make the JVM refuse to start.
# --print-jvm-flags (any position; not passed on) or BEACON_PRINT_JVM_FLAGS=1 prints the final
# command to stderr before starting it. Every other argument goes to the daemon unchanged.

beacon_die() {
  echo "$DAEMON: $*" >&2
  exit 1
}

# quote WORD: WORD as one single-quoted shell word, for eval.
beacon_quote() {
  printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# --- java ----------------------------------------------------------------------------------
if [ -n "${JAVA_HOME:-}" ]; then
  JAVA="$JAVA_HOME/bin/java"
  [ -x "$JAVA" ] || beacon_die "JAVA_HOME is set to '$JAVA_HOME' but $JAVA is not an executable"
else
  JAVA=$(command -v java 2>/dev/null) || beacon_die "no java on the PATH and JAVA_HOME is not set (Java 17 or later is needed)"
fi

# --- memory this process may use, in MiB -----------------------------------------------------
# The smaller of what the kernel reports as available now (MemAvailable: free memory plus caches
# it can drop, without swapping) and the cgroup limit of a container (v2 memory.max, v1
# memory.limit_in_bytes; "max" or a huge number means no limit). Sizing from what is available,
# not from the total, keeps a daemon started on a busy machine from being promised memory that
# other processes already use.
beacon_memory_mib() {
  avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo 2>/dev/null)
  [ -n "$avail" ] || avail=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo 2>/dev/null)
  [ -n "$avail" ] || avail=1024 # not Linux: assume a small machine
  for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do
    if [ -r "$f" ]; then
      limit=$(cat "$f" 2>/dev/null)
      case "$limit" in
        '' | max | *[!0-9]*) ;;
        *)
          # Shorter than 16 digits: below 9 PB, i.e. a real limit rather than v1's "unlimited".
          if [ ${#limit} -lt 16 ]; then
            limit=$((limit / 1048576))
            [ "$limit" -lt "$avail" ] && avail=$limit
          fi
          ;;
      esac
    fi
  done
  echo "$avail"
}

# --- flags from conf/jvm.options and JAVA_OPTS -------------------------------------------------
user_flags=""
user_heap=0
user_cds=0
beacon_user_flag() {
  case "$1" in
    -Xmx* | -Xms* | -XX:MaxHeapSize=* | -XX:InitialHeapSize=* | -XX:MaxRAMPercentage=* | -XX:MaxRAM=* | -XX:InitialRAMPercentage=*)
      user_heap=1 ;;
    -Xshare:* | -XX:SharedArchiveFile=* | -XX:ArchiveClassesAtExit=*)
      user_cds=1 ;;
  esac
  user_flags="$user_flags $(beacon_quote "$1")"
}
if [ -r "$BEACON_HOME/conf/jvm.options" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}
    case "$line" in
      *[!\ \	]*) ;;
      *) continue ;; # blank or comment
    esac
    case "$line" in
      lookupd:* | broker:*)
        [ "${line%%:*}" = "$DAEMON" ] || continue
        line=${line#*:} ;;
    esac
    # Trim blanks around the flag; a flag may contain inner spaces (-Dname=a b).
    line=$(printf '%s' "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
    beacon_user_flag "$line"
  done <"$BEACON_HOME/conf/jvm.options"
fi
set -f # JAVA_OPTS is split on blanks but never globbed
for flag in ${JAVA_OPTS:-}; do
  beacon_user_flag "$flag"
done
set +f

# --- flags chosen for this machine ------------------------------------------------------------
mem=$(beacon_memory_mib)
case "$DAEMON" in
  broker)
    # Heap: a quarter of the memory (the JVM's own default share, MaxRAMPercentage=25), at least
    # 256 MiB and at most 8 GiB. The rest is left to what the broker holds outside the heap
    # (socket buffers in the kernel, Netty's direct buffers, metaspace, code cache, thread
    # stacks) and to the rest of the machine. 1 KiB of heap holds about 10 subscriptions
    # (1M subscriptions measured at 600-670 MiB resident), so the floor serves a few hundred
    # thousand subscriptions and a small machine still starts. Above 8 GiB a single event loop
    # cannot use more: it is the pending-bytes limits, not the heap, that bound a broker.
    heap=$((mem / 4))
    [ "$heap" -lt 256 ] && heap=256
    [ "$heap" -gt 8192 ] && heap=8192
    initial=8
    # Young generation at most 16 MiB (-XX:MaxNewSize=16m). The serial collector otherwise gives it
    # a third of the heap as the heap grows, and every page of eden is touched between two young
    # collections, so a broker holding many subscriptions kept 100-240 MiB of eden resident for
    # garbage. The broker allocates next to nothing per message and its long-lived state
    # (connections, subscriptions) goes to the old generation anyway; measured (bin/broker, VmRSS
    # once the SUBs are answered, 2026-12-04): 100 connections x 10,000 subscriptions 380-384 MiB ->
    # 308-313 MiB, 10,000 x 10 268-276 -> 222-243 MiB; young collections at the small heap of the
    # throughput rows are unchanged (13 MiB young there either way, 0.5 ms each).
    young="-XX:MaxNewSize=16m"
    ;;
  lookupd)
    # Heap: a sixteenth of the memory, at least 128 MiB, at most 2 GiB. A registry of 100 brokers
    # x 1,000 topics x 2 channels (300,000 registrations) needs well under 128 MiB; lookupd holds
    # no messages, so more heap than this only delays collections.
    heap=$((mem / 16))
    [ "$heap" -lt 128 ] && heap=128
    [ "$heap" -gt 2048 ] && heap=2048
    initial=8
    young=""
    ;;
  *) beacon_die "launcher: unknown daemon '$DAEMON'" ;;
esac

# -XX:+ExitOnOutOfMemoryError: a daemon that ran out of heap is broken (a thread died half-way
# through), so it exits at once with a non-zero status for its supervisor to restart it, rather
# than lingering without serving.
# -XX:+UseSerialGC: both daemons allocate little per message and run their state on one event
# loop; the serial collector has no concurrent threads and no remembered sets, so the idle and
# loaded resident memory is lowest, and its young collections are short at these heap sizes.
# -Xss512k: the daemons' threads never recurse deeply; half the default stack per thread.
# A small initial heap (-Xms8m): the heap grows when it is used, so an idle daemon stays small
# (measured on the idle broker: 2-3 MiB less resident memory than -Xms16m, start-up unchanged).
chosen="-XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC -Xss512k"
if [ "$user_heap" = 0 ]; then
  chosen="$chosen -Xms${initial}m -Xmx${heap}m"
fi
# The young generation's cap (broker) stays with a heap flag of the user's; -Xmn or
# -XX:MaxNewSize in conf/jvm.options or JAVA_OPTS comes later and wins.
[ -n "$young" ] && chosen="$chosen $young"
# Class data sharing for the daemon's own classes (Vert.x, Netty, Jackson, the daemon): their
# parsed form is mapped from an archive instead of being loaded from the jar at every start
# (measured on the idle broker: start-up to the ready line about 40% faster, idle resident memory
# 1-2 MiB lower). The archive is bound to this JVM build and to this directory's jar, so it is
# made here, not shipped: the first start of a daemon whose lib/ is writable dumps the classes it
# loaded when it exits (-XX:ArchiveClassesAtExit, 1-3 s added to that one stop) into
# lib/DAEMON.jsa.new-PID; a later start checks that file with this JVM (a truncated archive would
# crash the JVM that maps it, so it must be checked before use) and renames it to lib/DAEMON.jsa,
# which every start after that maps (-Xshare:auto: a JVM that cannot use it silently runs without).
# JAVA_OPTS with -Xshare:off (or any CDS flag of its own) turns all of this off.
cds=""
if [ "$user_cds" = 0 ]; then
  archive="$BEACON_HOME/lib/$DAEMON.jsa"
  # An archive older than the jar was made for the jar it replaced: the JVM would ignore it.
  if [ -f "$archive" ] && [ "$BEACON_HOME/lib/$DAEMON.jar" -nt "$archive" ]; then
    rm -f "$archive"
  fi
  for made in "$archive".new-*; do
    [ -f "$made" ] || continue
    kill -0 "${made##*.new-}" 2>/dev/null && continue # its JVM is still running (or dumping)
    if [ ! -f "$archive" ] && "$JAVA" $chosen -XX:SharedArchiveFile="$made" -Xshare:on -XX:ErrorFile=/dev/null \
        -XX:-CreateCoredumpOnCrash -jar "$BEACON_HOME/lib/$DAEMON.jar" --version >/dev/null 2>&1; then
      mv -f "$made" "$archive" 2>/dev/null || rm -f "$made"
    else
      rm -f "$made" # broken, or one archive is already in place
    fi
  done
  # A --version or --help run loads too few classes to make a useful archive.
  short=0
  for arg in "$@"; do
    case "$arg" in --version | --help | -h) short=1 ;; esac
  done
  if [ -f "$archive" ]; then
    cds="$(beacon_quote "-XX:SharedArchiveFile=$archive") -Xshare:auto"
  elif [ "$short" = 0 ] && [ -w "$BEACON_HOME/lib" ]; then
    # $$ is this shell's pid, which exec hands to the JVM.
    cds="$(beacon_quote "-XX:ArchiveClassesAtExit=$archive.new-$$") -Xlog:cds=off -Xlog:cds+dynamic=off"
  fi
fi

jvm=""
for flag in $chosen; do
  jvm="$jvm $(beacon_quote "$flag")"
done
jvm="$jvm $cds$user_flags"

# --- daemon arguments, minus the launcher's own ---------------------------------------------------
print=${BEACON_PRINT_JVM_FLAGS:-0}
n=$#
i=0
while [ "$i" -lt "$n" ]; do
  arg=$1
  shift
  if [ "$arg" = --print-jvm-flags ]; then
    print=1
  else
    set -- "$@" "$arg"
  fi
  i=$((i + 1))
done

jar="$BEACON_HOME/lib/$DAEMON.jar"
[ -r "$jar" ] || beacon_die "$jar is missing"
if [ "$print" = 1 ]; then
  eval "printf '%s' \"\$DAEMON: JVM flags:\"; for f in $jvm; do printf ' %s' \"\$f\"; done" >&2
  echo " (java: $JAVA, memory available: ${mem} MiB)" >&2
fi
eval "exec \"\$JAVA\" $jvm -jar \"\$jar\" \"\$@\""
