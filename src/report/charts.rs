//! Inline SVG charts for the HTML report: no script, no font or image fetched, readable on paper.
//!
//! Each chart is a `<figure>` holding one `<svg>` that scales to its box
//! (`viewBox`, width 100%), with a `<title>` per mark for a tooltip and a
//! text legend; colours keep their meaning across the report (green on
//! time, amber late, red missing).

use std::fmt::Write;

use super::html::esc;
use super::text::Lang;

pub const GREEN: &str = "#1e8e3e";
pub const AMBER: &str = "#e37400";
pub const RED: &str = "#d93025";
pub const BLUE: &str = "#1a73e8";
pub const GREY: &str = "#80868b";
const INK: &str = "#3c4043";
const GRID: &str = "#e0e3e7";

const W: f64 = 640.0;
const H: f64 = 250.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 40.0;

/// One series of a chart.
pub struct Series<'a> {
    pub name: &'a str,
    pub color: &'a str,
    pub values: Vec<Option<f64>>,
}

fn open(out: &mut String, id: &str, title: &str) {
    let _ = write!(
        out,
        "<figure class=\"chart\" id=\"{id}\"><figcaption>{}</figcaption><svg viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" font-size=\"11\" font-family=\"inherit\">",
        esc(title),
        esc(title)
    );
}

fn close(out: &mut String, series: &[Series<'_>]) {
    out.push_str("</svg><div class=\"legend\">");
    for s in series {
        let _ = write!(
            out,
            "<span><i style=\"background:{}\"></i>{}</span>",
            s.color,
            esc(s.name)
        );
    }
    out.push_str("</div></figure>");
}

/// A "nice" upper bound and step for an axis from 0 to `max`.
fn nice(max: f64) -> (f64, f64) {
    if max <= 0.0 {
        return (1.0, 1.0);
    }
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let step = step.max(1.0);
    ((max / step).ceil() * step, step)
}

fn x_labels(out: &mut String, labels: &[String], x: impl Fn(usize) -> f64) {
    let every = labels.len().div_ceil(12).max(1);
    for (i, l) in labels.iter().enumerate() {
        if i % every == 0 {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
                x(i),
                H - BOTTOM + 16.0,
                esc(l)
            );
        }
    }
}

fn y_grid(
    out: &mut String,
    lo: f64,
    hi: f64,
    step: f64,
    y: impl Fn(f64) -> f64,
    label: impl Fn(f64) -> String,
) {
    let mut v = lo;
    while v <= hi + step / 1000.0 {
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{GRID}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{INK}\">{}</text>",
            W - RIGHT,
            y(v),
            y(v),
            LEFT - 6.0,
            y(v) + 4.0,
            esc(&label(v))
        );
        v += step;
    }
}

fn empty(out: &mut String, lang: Lang) {
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{GREY}\">{}</text>",
        W / 2.0,
        H / 2.0,
        lang.choose("Chưa có số liệu trong kỳ", "No data in the period")
    );
}

/// Lines of rates (fractions 0..1) by month; gaps where a month has no rate.
pub fn rate_lines(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    lang: Lang,
) -> String {
    let mut out = String::new();
    open(&mut out, id, title);
    let all: Vec<f64> = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .collect();
    if all.is_empty() || labels.is_empty() {
        empty(&mut out, lang);
        close(&mut out, series);
        return out;
    }
    // Start the axis at a round figure below the lowest rate so dips show; never above 90 %.
    let min = all.iter().copied().fold(1.0, f64::min);
    let lo = ((min * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    let n = labels.len();
    let plot_w = W - LEFT - RIGHT;
    let x = |i: usize| LEFT + plot_w * (i as f64 + 0.5) / n as f64;
    let y = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - (v - lo) / (1.0 - lo));
    let step = if 1.0 - lo > 0.5 { 0.25 } else { 0.1 };
    y_grid(&mut out, lo, 1.0, step, y, |v| {
        lang.pct(v).replace(",0", "").replace(".0", "")
    });
    x_labels(&mut out, labels, x);
    for s in series {
        let mut path = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x(i),
                        y(*v)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.2\" stroke-linejoin=\"round\"/>",
            path.trim_end(),
            s.color
        );
        for (i, v) in s.values.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(
                    out,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.2\" fill=\"{}\"><title>{} · {}: {}</title></circle>",
                    x(i),
                    y(*v),
                    s.color,
                    esc(&labels[i]),
                    esc(s.name),
                    lang.pct(*v)
                );
            }
        }
    }
    close(&mut out, series);
    out
}

/// Stacked bars of counts by month.
pub fn stacked_bars(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    lang: Lang,
) -> String {
    let mut out = String::new();
    open(&mut out, id, title);
    let n = labels.len();
    let totals: Vec<f64> = (0..n)
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().flatten().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let max = totals.iter().copied().fold(0.0, f64::max);
    if max <= 0.0 {
        empty(&mut out, lang);
        close(&mut out, series);
        return out;
    }
    let (top, step) = nice(max);
    let plot_w = W - LEFT - RIGHT;
    let slot = plot_w / n as f64;
    let bar = (slot * 0.68).min(36.0);
    let x = |i: usize| LEFT + slot * (i as f64 + 0.5);
    let y = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - v / top);
    y_grid(&mut out, 0.0, top, step, y, |v| lang.int(v.round() as u64));
    x_labels(&mut out, labels, x);
    for (i, label) in labels.iter().enumerate() {
        let mut base = 0.0;
        for s in series {
            let v = s.values.get(i).copied().flatten().unwrap_or(0.0);
            if v <= 0.0 {
                continue;
            }
            let _ = write!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{} · {}: {}</title></rect>",
                x(i) - bar / 2.0,
                y(base + v),
                bar,
                y(base) - y(base + v),
                s.color,
                esc(label),
                esc(s.name),
                lang.int(v.round() as u64)
            );
            base += v;
        }
    }
    close(&mut out, series);
    out
}

/// Horizontal bars, one per labelled value, longest first as given.
pub fn hbars(id: &str, title: &str, rows: &[(String, u64)], color: &str, lang: Lang) -> String {
    let mut out = String::new();
    let h = 22.0 * rows.len().max(1) as f64 + 16.0;
    let _ = write!(
        out,
        "<figure class=\"chart\" id=\"{id}\"><figcaption>{}</figcaption><svg viewBox=\"0 0 {W} {h}\" role=\"img\" aria-label=\"{}\" font-size=\"11\" font-family=\"inherit\">",
        esc(title),
        esc(title)
    );
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0);
    if max == 0 {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{GREY}\">{}</text>",
            W / 2.0,
            h / 2.0,
            lang.choose("Chưa có số liệu trong kỳ", "No data in the period")
        );
    }
    let label_w = 190.0;
    let value_w = 70.0;
    let plot_w = W - label_w - value_w;
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 8.0 + 22.0 * i as f64;
        let shown: String = if label.chars().count() > 30 {
            label.chars().take(29).chain(['…']).collect()
        } else {
            label.clone()
        };
        let w = if max > 0 {
            plot_w * *v as f64 / max as f64
        } else {
            0.0
        };
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{INK}\">{}</text><rect x=\"{label_w}\" y=\"{:.1}\" width=\"{:.1}\" height=\"15\" rx=\"2\" fill=\"{color}\"><title>{}: {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" fill=\"{INK}\">{}</text>",
            label_w - 8.0,
            y + 11.5,
            esc(&shown),
            y,
            w.max(1.0),
            esc(label),
            lang.int(*v),
            label_w + w + 6.0,
            y + 11.5,
            lang.int(*v)
        );
    }
    out.push_str("</svg></figure>");
    out
}

/// One bar split by share (e.g. items by condition), with a legend of counts.
pub fn share_bar(id: &str, title: &str, parts: &[(String, u64, &str)], lang: Lang) -> String {
    let mut out = String::new();
    let total: u64 = parts.iter().map(|p| p.1).sum();
    let _ = write!(
        out,
        "<figure class=\"chart\" id=\"{id}\"><figcaption>{}</figcaption><svg viewBox=\"0 0 {W} 56\" role=\"img\" aria-label=\"{}\" font-size=\"11\" font-family=\"inherit\">",
        esc(title),
        esc(title)
    );
    let mut x = 0.0;
    for (label, n, color) in parts {
        if total == 0 || *n == 0 {
            continue;
        }
        let w = W * *n as f64 / total as f64;
        let share = *n as f64 / total as f64;
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"8\" width=\"{w:.1}\" height=\"30\" fill=\"{color}\"><title>{}: {} ({})</title></rect>",
            esc(label),
            lang.int(*n),
            lang.pct(share)
        );
        if w > 56.0 {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"27\" text-anchor=\"middle\" fill=\"#fff\">{}</text>",
                x + w / 2.0,
                lang.pct(share)
            );
        }
        x += w;
    }
    out.push_str("</svg><div class=\"legend\">");
    for (label, n, color) in parts {
        let _ = write!(
            out,
            "<span><i style=\"background:{color}\"></i>{}: {}</span>",
            esc(label),
            lang.int(*n)
        );
    }
    out.push_str("</div></figure>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_round_up() {
        assert_eq!(nice(7.0), (8.0, 2.0));
        assert_eq!(nice(250.0), (300.0, 100.0));
        assert_eq!(nice(0.0), (1.0, 1.0));
    }

    #[test]
    fn labels_from_the_database_are_escaped() {
        let svg = hbars("x", "t", &[("<script>".into(), 3)], BLUE, Lang::Vi);
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
    }
}
