//! The report's charts as inline SVG, drawn with plotters' SVG backend.
//!
//! The one idea: a chart is a picture of numbers that are also in a table beside it, so a chart
//! never holds the only copy of a figure, and a reader without images loses nothing.

use plotters::prelude::*;

use super::sections::{Heatmap, Pareto, Week};
use crate::{Error, Location, Result};

const INK: RGBColor = RGBColor(0x1f, 0x29, 0x37);
const ACCENT: RGBColor = RGBColor(0x0f, 0x76, 0x6e);
const GRID: RGBColor = RGBColor(0xd1, 0xd5, 0xdb);
const FONT: &str = "sans-serif";

fn chart_error(e: impl std::fmt::Display) -> Error {
    Error::invalid_input(Location::memory(), format!("cannot draw a chart: {e}"))
}

/// Makes the SVG scale with its container (plotters writes a fixed size).
fn responsive(svg: String, title: &str) -> String {
    let escaped = title.replace('&', "&amp;").replace('<', "&lt;");
    svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{escaped}\" class=\"chart\" "),
        1,
    )
}

/// The Pareto curve: cumulative share of the basis against share of products.
pub(super) fn pareto(pareto: &Pareto) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..1f64, 0f64..1f64)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .light_line_style(GRID.mix(0.4))
            .bold_line_style(GRID)
            .axis_style(INK)
            .label_style((FONT, 13).into_font().color(&INK))
            .x_desc("share of products (best sellers first)")
            .y_desc(format!("share of {}", pareto.basis))
            .axis_desc_style((FONT, 13).into_font().color(&INK))
            .x_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .draw()
            .map_err(chart_error)?;
        chart
            .draw_series(LineSeries::new(
                pareto.points.iter().copied(),
                ACCENT.stroke_width(3),
            ))
            .map_err(chart_error)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.2, 0.0), (0.2, 1.0)],
                INK.mix(0.5),
            )))
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(responsive(svg, "Pareto curve"))
}

/// Bars of one value per week.
pub(super) fn weeks(weeks: &[Week], value: &dyn Fn(&Week) -> f64, label: &str) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 280)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let top = weeks.iter().map(value).fold(0.0, f64::max).max(1.0) * 1.1;
        let n = weeks.len();
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..top)
            .map_err(chart_error)?;
        let names: Vec<String> = weeks.iter().map(|w| w.week.clone()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(GRID.mix(0.4))
            .bold_line_style(GRID)
            .axis_style(INK)
            .label_style((FONT, 13).into_font().color(&INK))
            .x_labels(n.min(12) + 1)
            .x_label_formatter(&|v| {
                let k = v.round();
                if (v - k).abs() < 1e-6 && k >= 0.0 {
                    names.get(k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc(label)
            .axis_desc_style((FONT, 13).into_font().color(&INK))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(chart_error)?;
        chart
            .draw_series(weeks.iter().enumerate().map(|(k, w)| {
                Rectangle::new(
                    [(k as f64 + 0.15, 0.0), (k as f64 + 0.85, value(w))],
                    ACCENT.filled(),
                )
            }))
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(responsive(svg, label))
}

/// The lift heatmap: a cell per pair, darker for higher lift, the lift written in it.
pub(super) fn heatmap(map: &Heatmap) -> Result<String> {
    let n = map.items.len();
    let (label_width, cell, header) = (230i32, 38i32, 28i32);
    let width = (label_width + cell * n as i32 + 10) as u32;
    let height = (header + cell * n as i32 + 10) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let top = map
            .lift
            .iter()
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
            .fold(2.0, f64::max);
        let small = (FONT, 12).into_font().color(&INK);
        for (i, item) in map.items.iter().enumerate() {
            let y = header + cell * i as i32;
            let name: String = if item.name.chars().count() > 28 {
                item.name.chars().take(27).chain(['…']).collect()
            } else {
                item.name.clone()
            };
            root.draw(&Text::new(
                format!("{}. {name}", i + 1),
                (4, y + cell / 2 - 7),
                small.clone(),
            ))
            .map_err(chart_error)?;
            root.draw(&Text::new(
                format!("{}", i + 1),
                (label_width + cell * i as i32 + cell / 2 - 6, 8),
                small.clone(),
            ))
            .map_err(chart_error)?;
            for j in 0..n {
                let x = label_width + cell * j as i32;
                let lift = map.lift[i][j];
                let color = if i == j {
                    RGBColor(0xf3, 0xf4, 0xf6)
                } else {
                    let t = ((lift - 1.0).max(0.0) / (top - 1.0)).min(1.0);
                    let mix = |from: u8, to: u8| {
                        (from as f64 + (to as f64 - from as f64) * t).round() as u8
                    };
                    RGBColor(mix(0xf0, 0x0f), mix(0xfd, 0x76), mix(0xfa, 0x6e))
                };
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell - 2, y + cell - 2)],
                    color.filled(),
                ))
                .map_err(chart_error)?;
                if i != j {
                    let ink = if lift > 1.0 + (top - 1.0) * 0.55 {
                        WHITE
                    } else {
                        INK
                    };
                    let text = if lift >= 10.0 {
                        format!("{lift:.0}")
                    } else {
                        format!("{lift:.1}")
                    };
                    root.draw(&Text::new(
                        text,
                        (x + 6, y + cell / 2 - 8),
                        (FONT, 12).into_font().color(&ink),
                    ))
                    .map_err(chart_error)?;
                }
            }
        }
        root.present().map_err(chart_error)?;
    }
    Ok(responsive(svg, "lift heatmap of the top items"))
}
