//! Issue 30, first step: one language per line, Vietnamese by default, from
//! the message catalog; `--lang en`, `EQVAULT_LANG` and `[office] lang`
//! choose English. (prune and hold so far.)

mod common;

use common::Fixture;

/// Words of eqvault's own Vietnamese that must not reach an English line.
const VIETNAMESE: [&str; 5] = ["giữ", "xoá", "mới nhất", "bản theo quý", "mức sàn"];

#[test]
fn prune_and_hold_speak_vietnamese_by_default_and_english_on_request() {
    let fx = Fixture::new();
    fx.config_local();
    let id = fx.backup()["id"].as_str().unwrap().to_string();

    let vi = fx.run(&["prune", "--dry-run"]).ok().stdout;
    assert!(vi.contains(&format!("giữ      {id}")), "{vi}");
    assert!(
        vi.contains("mới nhất") && vi.contains("bản theo quý"),
        "{vi}"
    );
    assert!(vi.contains("sẽ xoá 0"), "{vi}");
    assert!(!vi.contains("keep") && !vi.contains("would remove"), "{vi}");

    let en = fx.run(&["prune", "--dry-run", "--lang", "en"]).ok().stdout;
    assert!(en.contains(&format!("keep   {id}  last")), "{en}");
    assert!(
        en.contains("quarterly") && en.contains("0 would remove"),
        "{en}"
    );
    for w in VIETNAMESE {
        assert!(!en.contains(w), "{w} in English: {en}");
    }

    let held = fx.run(&["hold", &id, "--reason", "thanh tra"]).ok().stdout;
    assert!(held.contains(&format!("đã giữ {id} ở ")), "{held}");
    // EQVAULT_LANG, then [office] lang, choose English too.
    let out = fx
        .cmd()
        .env("EQVAULT_LANG", "en")
        .args(["unhold", &id])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("released {id} in ")), "{text}");
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str("\n[office]\nlang = \"en\"\n");
    std::fs::write(&fx.config, cfg).unwrap();
    let held = fx.run(&["hold", &id, "--reason", "thanh tra"]).ok().stdout;
    assert!(held.contains(&format!("held {id} in ")), "{held}");
    // --lang wins over the config.
    let released = fx.run(&["unhold", &id, "--lang", "vi"]).ok().stdout;
    assert!(
        released.contains(&format!("đã thôi giữ {id} ở ")),
        "{released}"
    );
}

#[test]
fn init_speaks_vietnamese_by_default_and_english_on_request() {
    for lang in ["vi", "en"] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("equipment.db");
        let schema = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/equipment.sql"),
        )
        .unwrap();
        rusqlite::Connection::open(&db)
            .unwrap()
            .execute_batch(&schema)
            .unwrap();
        let mut c = common::eqvault();
        c.current_dir(dir.path()).args([
            "init",
            "--store",
            "store-a",
            "--store",
            "store-b",
            "--create-store",
            "--dir",
            ".",
            "--db",
            db.to_str().unwrap(),
        ]);
        if lang == "en" {
            c.args(["--lang", "en"]);
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if lang == "vi" {
            for want in [
                "đã ghi",
                "HÃY GIỮ MỘT BẢN",
                "người nhận:",
                "dấu kho đã ghi",
                "tiếp theo: eqvault backup",
            ] {
                assert!(text.contains(want), "{want}: {text}");
            }
            assert!(!text.contains("KEEP A COPY"), "{text}");
        } else {
            for want in [
                "wrote ",
                "KEEP A COPY",
                "recipients:",
                "marker written",
                "next: eqvault backup",
            ] {
                assert!(text.contains(want), "{want}: {text}");
            }
            for w in ["đã ghi", "khoá", "người nhận", "tiếp theo"] {
                assert!(!text.contains(w), "{w} in English: {text}");
            }
        }
    }
}
