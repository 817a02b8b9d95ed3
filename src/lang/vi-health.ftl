# eqvault: tiếng Việt của các lệnh sức khoẻ: status, doctor, verify, sync, drill.
