// How a lab container's resolver treats a name that no longer exists. Docker's embedded DNS (127.0.0.11) forwards
// a name it does not know (a stopped member's) to the host's servers; where a bridge has no egress nothing answers,
// and glibc's defaults (5 s timeout, 2 attempts, A and AAAA) make one lookup take ~20 s. That blocked Patroni's
// leader race and the replicas' walreceivers after a leader kill. One try of 1 s each gives up in ~1 s.

/** The provider's `dnsOpts` for every lab container (Docker writes them into /etc/resolv.conf's options line). */
export const LAB_DNS_OPTIONS: readonly string[] = Object.freeze(["timeout:1", "attempts:1", "ndots:0"]);
