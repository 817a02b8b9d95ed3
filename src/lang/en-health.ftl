# eqvault: English of the health commands: status, doctor, verify, sync, drill.
