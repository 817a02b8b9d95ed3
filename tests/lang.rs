//! Issue 30: one language per line, Vietnamese by default, from the message
//! catalog; `--lang en`, `EQVAULT_LANG` and `[office] lang` choose English.
//! Every command runs here as a person would: no `EQVAULT_LANG` (the other
//! test files pin English lines and set it).

mod common;

use assert_cmd::Command;

use common::{Fixture, Run, StoreSpec};

/// `eqvault ARGS…` with the fixture's config and no language set.
fn vi(fx: &Fixture, args: &[&str]) -> Run {
    let mut c = fx.cmd();
    c.env_remove("EQVAULT_LANG").args(args);
    run(c)
}

/// `eqvault ARGS… --lang en` with the fixture's config.
fn en(fx: &Fixture, args: &[&str]) -> Run {
    let mut c = fx.cmd();
    c.env_remove("EQVAULT_LANG")
        .args(args)
        .args(["--lang", "en"]);
    run(c)
}

fn run(mut c: Command) -> Run {
    let o = c.output().expect("run eqvault");
    Run {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// The words of `text` written with Vietnamese letters (the decision's own
/// name, QĐ-GDĐT, aside).
fn vietnamese_words(text: &str) -> Vec<String> {
    const LETTERS: &str = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ";
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.contains("QĐ") && !w.contains("GDĐT"))
        .filter(|w| {
            w.chars()
                .any(|c| LETTERS.contains(c.to_lowercase().next().unwrap_or(c)))
        })
        .map(str::to_string)
        .collect()
}

/// `text`, read in Vietnamese, has no English sentence of eqvault's own in it
/// (commands, flags, paths and technical names aside): a few words English
/// sentences cannot do without.
fn not_english(text: &str) {
    let lower = format!(" {} ", text.to_lowercase());
    for w in [
        " the ", " is ", " was ", " not ", " cannot ", " could ", " does ", " and ", " with ",
        " from ",
    ] {
        assert!(!lower.contains(w), "English {w:?} in Vietnamese: {text}");
    }
}

/// `text` is English: no word of eqvault's Vietnamese in it.
fn english(text: &str) {
    let words = vietnamese_words(text);
    assert!(
        words.is_empty(),
        "Vietnamese words {words:?} in English: {text}"
    );
}

/// Words of eqvault's own Vietnamese that must not reach an English line.
const VIETNAMESE: [&str; 5] = ["giữ", "xoá", "mới nhất", "bản theo quý", "mức sàn"];

#[test]
fn prune_and_hold_speak_vietnamese_by_default_and_english_on_request() {
    let fx = Fixture::new();
    fx.config_local();
    let id = fx.backup()["id"].as_str().unwrap().to_string();

    let vi_text = vi(&fx, &["prune", "--dry-run"]).ok().stdout;
    assert!(vi_text.contains(&format!("giữ      {id}")), "{vi_text}");
    assert!(
        vi_text.contains("mới nhất") && vi_text.contains("bản theo quý"),
        "{vi_text}"
    );
    assert!(vi_text.contains("sẽ xoá 0"), "{vi_text}");
    not_english(&vi_text);
    assert!(
        !vi_text.contains("keep") && !vi_text.contains("would remove"),
        "{vi_text}"
    );

    let en_text = en(&fx, &["prune", "--dry-run"]).ok().stdout;
    assert!(en_text.contains(&format!("keep   {id}  last")), "{en_text}");
    assert!(
        en_text.contains("quarterly") && en_text.contains("0 would remove"),
        "{en_text}"
    );
    for w in VIETNAMESE {
        assert!(!en_text.contains(w), "{w} in English: {en_text}");
    }
    english(&en_text);

    let held = vi(&fx, &["hold", &id, "--reason", "thanh tra"]).ok().stdout;
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
    let held = vi(&fx, &["hold", &id, "--reason", "thanh tra"]).ok().stdout;
    assert!(held.contains(&format!("held {id} in ")), "{held}");
    // --lang wins over the config.
    let released = vi(&fx, &["unhold", &id, "--lang", "vi"]).ok().stdout;
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
        c.env_remove("EQVAULT_LANG");
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
            english(&text);
        }
    }
}

/// A second init in the same folder is refused: said in the reader's language.
#[test]
fn init_refuses_an_existing_config_in_the_readers_language() {
    let fx = Fixture::new();
    let again = |lang: Option<&str>| {
        let mut c = common::eqvault();
        c.env_remove("EQVAULT_LANG").current_dir(fx.path()).args([
            "init",
            "--store",
            "store-a",
            "--db",
            fx.db.to_str().unwrap(),
        ]);
        if let Some(l) = lang {
            c.args(["--lang", l]);
        }
        run(c).code(2)
    };
    let e = again(None).stderr;
    for want in [
        "lỗi:",
        "đã có",
        "không bao giờ ghi đè",
        "cách xử lý:",
        "eqvault store add",
    ] {
        assert!(e.contains(want), "{want}: {e}");
    }
    assert_eq!(e.matches("lỗi:").count(), 1, "said once: {e}");
    not_english(&e);
    let e = again(Some("en")).stderr;
    for want in ["error:", "already exists", "never overwrites", "hint:"] {
        assert!(e.contains(want), "{want}: {e}");
    }
    english(&e);
}

/// restore's success, its refusal to overwrite, and a wrong identity.
#[test]
fn restore_speaks_the_readers_language_in_success_and_refusal() {
    let fx = Fixture::new();
    fx.config_local();
    let id = fx.backup()["id"].as_str().unwrap().to_string();
    let to = fx.path().join("restored.db");
    let to_s = to.to_str().unwrap();

    let ok = vi(&fx, &["restore", "latest", "--to", to_s]).ok().stdout;
    assert!(ok.contains(&format!("đã phục hồi {id} từ ")), "{ok}");
    assert!(ok.contains("khớp với bản kê đã ký"), "{ok}");
    not_english(&ok);

    // Over the file it just wrote: refused, nothing changed.
    let before = std::fs::read(&to).unwrap();
    let e = vi(&fx, &["restore", "latest", "--to", to_s]).code(2).stderr;
    for want in ["lỗi:", "đã có", "cách xử lý:", "--force"] {
        assert!(e.contains(want), "{want}: {e}");
    }
    not_english(&e);
    let e = en(&fx, &["restore", "latest", "--to", to_s]).code(2).stderr;
    for want in ["error:", "already exists", "hint:", "--force"] {
        assert!(e.contains(want), "{want}: {e}");
    }
    english(&e);
    assert_eq!(std::fs::read(&to).unwrap(), before, "the file is untouched");

    // Another office's identity: it cannot open the snapshot.
    let other = tempfile::tempdir().unwrap();
    let mut c = common::eqvault();
    c.current_dir(other.path()).args([
        "init",
        "--store",
        "s",
        "--create-store",
        "--db",
        fx.db.to_str().unwrap(),
    ]);
    run(c).ok();
    let wrong = other.path().join("eqvault-identity.txt");
    let wrong = wrong.to_str().unwrap();
    let fresh = fx.path().join("fresh.db");
    let fresh = fresh.to_str().unwrap();
    let e = vi(
        &fx,
        &["restore", "latest", "--to", fresh, "--identity", wrong],
    )
    .code(2)
    .stderr;
    for want in ["lỗi:", "khoá bí mật", "cần khoá bí mật của", "cách xử lý:"] {
        assert!(e.contains(want), "{want}: {e}");
    }
    // Said once: no log line beside it naming the copies as damaged.
    assert_eq!(e.lines().filter(|l| l.contains("lỗi:")).count(), 1, "{e}");
    assert!(!e.contains("WARN"), "{e}");
    not_english(&e);
    let e = en(
        &fx,
        &["restore", "latest", "--to", fresh, "--identity", wrong],
    )
    .code(2)
    .stderr;
    assert!(
        e.contains("is not one snapshot") && e.contains("it needs the identity of"),
        "{e}"
    );
    english(&e);
    assert!(!fx.path().join("fresh.db").exists(), "nothing was written");

    let ok = en(&fx, &["restore", &id, "--to", fresh]).ok().stdout;
    assert!(ok.contains(&format!("restored {id} from ")), "{ok}");
    english(&ok);
}

/// hold names a snapshot that is not there: the error in each language.
#[test]
fn hold_of_a_missing_snapshot_is_refused_in_the_readers_language() {
    let fx = Fixture::new();
    fx.config_local();
    fx.backup();
    let missing = "20000101T000000Z-000000";
    let e = vi(&fx, &["hold", missing, "--reason", "thanh tra"])
        .code(2)
        .stderr;
    assert!(e.contains("lỗi:") && e.contains(missing), "{e}");
    assert!(e.contains("không kho nào có bản sao lưu"), "{e}");
    not_english(&e);
    let e = en(&fx, &["hold", missing, "--reason", "audit"])
        .code(2)
        .stderr;
    assert!(e.contains("no complete snapshot"), "{e}");
    english(&e);
}

/// archive add: a file whose name names two terms is refused, with its reason
/// and what to do, in the reader's language.
#[test]
fn archive_add_says_why_a_file_is_refused_in_the_readers_language() {
    let fx = Fixture::new();
    fx.config_local();
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str("\n[office]\nname = \"Education Office\"\ncode = \"EO\"\n");
    std::fs::write(&fx.config, cfg).unwrap();
    let reports = fx.path().join("reports-2024-2025");
    std::fs::create_dir_all(&reports).unwrap();
    let file = reports.join("report hk1 hk2.xlsx");
    std::fs::write(&file, b"two terms in one name").unwrap();
    let f = file.to_str().unwrap();

    let r = vi(&fx, &["archive", "add", f, "--dry-run"]);
    assert_ne!(r.code, Some(0), "{r:?}");
    for want in [
        "TỪ CHỐI",
        "nêu 2 kỳ báo cáo",
        "hãy thêm riêng tệp này",
        "--term hk1",
    ] {
        assert!(r.stdout.contains(want), "{want}: {}", r.stdout);
    }
    assert!(
        r.stderr.contains("cảnh báo: 1 tệp bị từ chối"),
        "{}",
        r.stderr
    );
    not_english(&r.stdout);
    not_english(&r.stderr);

    let r = en(&fx, &["archive", "add", f, "--dry-run"]);
    for want in [
        "REFUSED",
        "names 2 report periods",
        "add this file on its own",
    ] {
        assert!(r.stdout.contains(want), "{want}: {}", r.stdout);
    }
    english(&r.stdout);
    english(&r.stderr);
}

/// --help (and a usage error) in the reader's language, wrapped to 100
/// columns without a terminal.
#[test]
fn help_is_vietnamese_by_default_and_english_on_request() {
    for args in [
        &["--help"][..],
        &["backup", "--help"],
        &["archive", "add", "--help"],
    ] {
        let mut c = common::eqvault();
        c.env_remove("EQVAULT_LANG")
            .env_remove("COLUMNS")
            .args(args);
        let vi_text = run(c).ok().stdout;
        for want in ["Cách dùng:", "Tuỳ chọn:", "In trợ giúp"] {
            assert!(vi_text.contains(want), "{args:?} {want}: {vi_text}");
        }
        for not in ["Usage:", "Options:", "Print help", "[default:", "[env:"] {
            assert!(!vi_text.contains(not), "{args:?} {not}: {vi_text}");
        }
        not_english(&vi_text);
        let mut c = common::eqvault();
        c.env_remove("COLUMNS").args(args).args(["--lang", "en"]);
        let en_text = run(c).ok().stdout;
        for want in ["Usage:", "Options:", "Print help"] {
            assert!(en_text.contains(want), "{args:?} {want}: {en_text}");
        }
        english(&en_text);
        for text in [&vi_text, &en_text] {
            let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            assert!(
                widest <= 100,
                "{args:?}: a line of {widest} columns: {text}"
            );
        }
    }
    let mut c = common::eqvault();
    c.env_remove("EQVAULT_LANG").args(["backup", "--bogus"]);
    let e = run(c).code(2).stderr;
    assert!(e.contains("lỗi: eqvault không có tuỳ chọn --bogus"), "{e}");
    assert!(e.contains("eqvault backup --help"), "{e}");
}

/// A store that cannot be reached is said once, in one short line, by backup
/// and snapshots; the S3 client's whole text only with -v.
#[test]
fn a_failed_store_is_said_once_in_a_short_line_with_the_detail_behind_v() {
    let fx = Fixture::new();
    let a = fx.path().join("store-a");
    // Port 1 on loopback: nothing listens there (binding it needs root and
    // nobody does), so the connection is refused at once, under any load.
    let dead = StoreSpec::S3 {
        endpoint: "http://127.0.0.1:1".into(),
        // A long URL, as an office names its buckets: the line stays short.
        prefix: "so-gddt-tphcm-sao-luu/thiet-bi-day-hoc/phong-giao-duc-va-dao-tao-quan-binh-thanh"
            .into(),
    };
    let url = dead.url();
    fx.write_config(&[StoreSpec::Local(a), dead]);
    for (args, code) in [(&["backup"][..], 1), (&["snapshots"][..], 2)] {
        for lang in ["vi", "en"] {
            let mut c = fx.cmd();
            c.env_remove("EQVAULT_LANG")
                .args(args)
                .args(["--lang", lang]);
            let r = run(c);
            assert_eq!(r.code, Some(code), "{args:?}: {r:?}");
            let both = format!("{}{}", r.stdout, r.stderr);
            let lines: Vec<&str> = both.lines().filter(|l| l.contains("binh-thanh")).collect();
            assert_eq!(lines.len(), 1, "{args:?} {lang}: said once: {both}");
            let line = lines[0];
            assert!(
                line.chars().count() < 160,
                "{args:?}: {} chars: {line}",
                line.chars().count()
            );
            for raw in ["max_retries", "Generic S3 error", "os error", "WARN"] {
                assert!(
                    !both.contains(raw),
                    "{args:?} {lang}: {raw} without -v: {both}"
                );
            }
            if lang == "en" {
                assert!(
                    line.contains("did not answer (connection refused)"),
                    "{line}"
                );
                english(&both);
            } else {
                assert!(
                    line.contains("không phản hồi (kết nối bị từ chối)"),
                    "{line}"
                );
                not_english(&both);
            }
        }
        // -v: the S3 client's whole text too, with the store's full URL.
        let mut c = fx.cmd();
        c.args(args).arg("-v");
        let r = run(c);
        assert!(
            r.stderr.contains("Connection refused (os error 111)"),
            "{r:?}"
        );
        assert!(r.stderr.contains(&url), "{r:?}");
    }
}
