# eqvault: tiếng Việt. Mỗi thông điệp một dòng người đọc; $tham_số là dữ liệu.
# Thêm một thông điệp: thêm cùng một id ở cả vi.ftl và en.ftl, với cùng các
# tham số, rồi gọi lang.t("id", &[("tham_so", &gia_tri)]) trong mã.

prune-keep = giữ      { $id }  { $reasons }
prune-removed = đã xoá { $id }
prune-would-remove = sẽ xoá { $id }
prune-not-removed = KHÔNG xoá được { $id } khỏi { $store }: { $error }
prune-locked = bị khoá { $id } ở { $store } đến { $until } (S3 Object Lock): để lại, lần prune đầu tiên sau ngày đó sẽ xoá
prune-extended = khoá của bản sao lưu theo quý { $id } ở { $store } được kéo dài đến { $until }
prune-incomplete-removed = đã xoá bản tải lên dở dang { $key } ở { $store }
prune-incomplete-would-remove = sẽ xoá bản tải lên dở dang { $key } ở { $store }
prune-ledger-removed = đã xoá sổ mã định danh niêm phong cũ { $key } ở { $store }
prune-ledger-would-remove = sẽ xoá sổ mã định danh niêm phong cũ { $key } ở { $store }
prune-untrusted = để nguyên (không tin cậy) { $key } ở { $store }: { $why }
prune-total-removed = giữ { $kept }, đã xoá { $removed }
prune-total-would-remove = giữ { $kept }, sẽ xoá { $removed }
prune-total-not-removed = , { $count } bản không xoá được
prune-total-locked = , { $count } bản bị khoá đến một ngày sau

prune-reason-last = mới nhất
prune-reason-daily = hằng ngày { $bucket }
prune-reason-weekly = hằng tuần { $bucket }
prune-reason-monthly = hằng tháng { $bucket }
prune-reason-yearly = hằng năm { $bucket }
prune-reason-within = trong vòng { $span }
prune-reason-quarterly = bản theo quý { $bucket } (mức sàn, Điều 12.1)
prune-reason-drilled = bản mới nhất đã diễn tập phục hồi đạt (mức sàn)
prune-reason-held = đang được giữ (mức sàn)
prune-reason-future = ghi ngày trong tương lai ({ $when }): giữ đến khi tới ngày đó

hold-held = đã giữ { $id } ở { $store }
hold-released = đã thôi giữ { $id } ở { $store }

restore-done = đã phục hồi { $id } từ { $store } vào { $path }
restore-checked-now = sha256 { $sha } (khớp với bản kê đã ký; integrity_check đạt, vừa chạy)
restore-checked-at-backup = sha256 { $sha } (khớp với bản kê đã ký; { $check } đạt khi sao lưu; cùng các byte đó)
restore-kept = tệp cũ được giữ lại ở { $path }

processed-one = đã xử lý { $files } tệp, { $size } trong { $clock }
processed-many = đã xử lý { $files } tệp, { $size } trong { $clock }
