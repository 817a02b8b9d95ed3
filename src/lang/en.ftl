# eqvault: English. One message per line a person reads; $arguments are data.
# To add a message: add the same id to vi.ftl and en.ftl, with the same
# arguments, then call lang.t("id", &[("arg", &value)]) in the code.

prune-keep = keep   { $id }  { $reasons }
prune-removed = removed { $id }
prune-would-remove = would remove { $id }
prune-not-removed = NOT removed { $id } from { $store }: { $error }
prune-locked = locked { $id } in { $store } until { $until } (S3 Object Lock): left, removed by the first prune after that date
prune-extended = lock of quarterly copy { $id } in { $store } lengthened to { $until }
prune-incomplete-removed = removed incomplete upload { $key } in { $store }
prune-incomplete-would-remove = would remove incomplete upload { $key } in { $store }
prune-ledger-removed = removed superseded sealed ledger { $key } in { $store }
prune-ledger-would-remove = would remove superseded sealed ledger { $key } in { $store }
prune-untrusted = left alone (not trusted) { $key } in { $store }: { $why }
prune-total-removed = { $kept } kept, { $removed } removed
prune-total-would-remove = { $kept } kept, { $removed } would remove
prune-total-not-removed = , { $count } could not be removed
prune-total-locked = , { $count } locked until a later date

prune-reason-last = last
prune-reason-daily = daily { $bucket }
prune-reason-weekly = weekly { $bucket }
prune-reason-monthly = monthly { $bucket }
prune-reason-yearly = yearly { $bucket }
prune-reason-within = within { $span }
prune-reason-quarterly = quarterly { $bucket } (floor)
prune-reason-drilled = newest snapshot that passed a drill (floor)
prune-reason-held = held (floor)
prune-reason-future = dated in the future ({ $when }): kept until its time comes

hold-held = held { $id } in { $store }
hold-released = released { $id } in { $store }

restore-done = restored { $id } from { $store } to { $path }
restore-checked-now = sha256 { $sha } (matches the signed manifest; integrity_check ok, run now)
restore-checked-at-backup = sha256 { $sha } (matches the signed manifest; { $check } ok at backup; the same bytes)
restore-kept = the previous file is kept as { $path }

processed-one = processed { $files } file, { $size } in { $clock }
processed-many = processed { $files } files, { $size } in { $clock }

init-wrote-config = wrote { $path }
init-from-store = going on from { $store }: its snapshots stay trusted beside this host's new signing key
init-wrote-identity = wrote { $path } (mode 0600): the private key and the way back (the keys to trust).
init-keep-identity = KEEP A COPY OF { $path } IN THE SAFE: with it and the stores, `eqvault restore latest --store URL --identity FILE --to PATH` works on any machine
init-no-identity = no identity was generated (--recipient): keep this host's public signing key with your identity, it is the way back: { $key }
init-wrote-signing-key = wrote { $path } (mode 0600): this host's signing key; its public half is trusted in the config
init-recipients = recipients: { $list }
init-marker-written = written
init-marker-present = present
init-store = store { $store }: marker { $marker }
init-schema-missing = the database is not in the reference schema ({ $missing }); the checks, the identifier ledger and the drill can judge nothing until a mapping is written: eqvault mapping init --out mapping.sql, fill it in, then set [database] mapping
init-next = next: eqvault backup   (then: eqvault verify --read-data)
