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

init-wrote-config = đã ghi { $path }
init-from-store = tiếp nối từ { $store }: các bản sao lưu ở đó vẫn được tin cậy bên cạnh khoá ký mới của máy này
init-wrote-identity = đã ghi { $path } (quyền 0600): khoá bí mật và đường quay về (các khoá cần tin cậy).
init-keep-identity = HÃY GIỮ MỘT BẢN { $path } TRONG KÉT SẮT: có nó và các kho, `eqvault restore latest --store URL --identity FILE --to PATH` chạy được trên bất kỳ máy nào
init-no-identity = không tạo khoá bí mật (--recipient): hãy giữ khoá ký công khai của máy này cùng khoá bí mật của bạn, đó là đường quay về: { $key }
init-wrote-signing-key = đã ghi { $path } (quyền 0600): khoá ký của máy này; nửa công khai của nó được tin cậy trong tệp cấu hình
init-recipients = người nhận: { $list }
init-marker-written = đã ghi
init-marker-present = đã có
init-store = kho { $store }: dấu kho { $marker }
init-schema-missing = cơ sở dữ liệu không theo lược đồ tham chiếu ({ $missing }); các quy tắc kiểm tra, sổ mã định danh và diễn tập sẽ không kiểm tra được gì cho đến khi có tệp ánh xạ: eqvault mapping init --out mapping.sql, điền vào, rồi đặt [database] mapping
init-next = tiếp theo: eqvault backup   (sau đó: eqvault verify --read-data)
