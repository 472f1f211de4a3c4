//! Line charts of test accuracy: against epochs (`train --plot`) and against a swept
//! parameter (`sweep`: one line per seed, and their mean when there are several), the way the
//! book plots "performance" against learning rate, epochs and hidden nodes.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{label, short_number, text_style, DrawResult, Figure, FONT, PALETTE};

/// One line of points.
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name in the legend.
    pub name: String,
    /// (x, accuracy in %), in the order they are joined.
    pub points: Vec<(f64, f64)>,
}

/// Accuracy (%) against some x, one or more series.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// The line at the top.
    pub title: String,
    /// A smaller line under it: the recipe, the data.
    pub subtitle: String,
    /// What x is, with its unit.
    pub x_label: String,
    /// What y is.
    pub y_label: String,
    /// The lines. With more than one, the last is drawn bold in black (the mean of the others).
    pub series: Vec<Series>,
}

/// Pixels of a line chart.
const SIZE: (u32, u32) = (860, 540);

impl LineChart {
    /// The x values of every series, sorted, without duplicates.
    fn xs(&self) -> Vec<f64> {
        let mut xs: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        xs
    }

    /// The y range shown: the data with some room above and below (for the value labels),
    /// at least 1 percentage point tall, inside 0..100.
    fn y_range(&self) -> (f64, f64) {
        let ys = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1));
        let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
        if !lo.is_finite() {
            return (0.0, 100.0);
        }
        let span = (hi - lo).max(1.0);
        ((lo - 0.2 * span).max(0.0), (hi + 0.25 * span).min(100.0))
    }

    /// The x range shown: the data with a margin on each side.
    fn x_range(xs: &[f64]) -> (f64, f64) {
        let (lo, hi) = match (xs.first(), xs.last()) {
            (Some(&lo), Some(&hi)) => (lo, hi),
            _ => (0.0, 1.0),
        };
        let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
        (lo - 0.06 * span, hi + 0.06 * span)
    }
}

impl LineChart {
    /// The corner of the plot the legend hides the fewest points in (a corner is the outer
    /// 40 % of the width and 45 % of the height), the lower right when there is a tie.
    fn legend_corner(&self, (x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> SeriesLabelPosition {
        let corners = [
            (SeriesLabelPosition::LowerRight, true, false),
            (SeriesLabelPosition::UpperRight, true, true),
            (SeriesLabelPosition::LowerLeft, false, false),
            (SeriesLabelPosition::UpperLeft, false, true),
        ];
        let inside = |&(x, y): &(f64, f64), right: bool, upper: bool| {
            let fx = (x - x0) / (x1 - x0);
            let fy = (y - y0) / (y1 - y0);
            (if right { fx > 0.6 } else { fx < 0.4 }) && (if upper { fy > 0.55 } else { fy < 0.45 })
        };
        let mut best = (usize::MAX, SeriesLabelPosition::LowerRight);
        for (corner, right, upper) in corners {
            let n = self
                .series
                .iter()
                .flat_map(|s| &s.points)
                .filter(|p| inside(p, right, upper))
                .count();
            if n < best.0 {
                best = (n, corner);
            }
        }
        best.1
    }
}

impl Figure for LineChart {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let w = SIZE.0 as i32;
        label(
            root,
            &self.title,
            (w / 2, 10),
            &text_style(22.0, HPos::Center, VPos::Top),
        )?;
        label(
            root,
            &self.subtitle,
            (w / 2, 40),
            &text_style(14.0, HPos::Center, VPos::Top).color(&RGBColor(90, 90, 90)),
        )?;
        let area = root.margin(64, 12, 12, 28);

        let xs = self.xs();
        let (x0, x1) = Self::x_range(&xs);
        let (y0, y1) = self.y_range();
        // Ticks at the measured x values when there are few (as the book's charts have them),
        // plotters' own round numbers otherwise.
        let own_ticks = xs.len() <= 12;
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let x_fmt = |x: &f64| short_number(*x);
        let y_fmt = |y: &f64| format!("{y:.1}");
        let grid = RGBColor(215, 215, 215);
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 14))
            .light_line_style(TRANSPARENT)
            .bold_line_style(grid)
            .x_labels(if own_ticks { 0 } else { 12 })
            .y_labels(10)
            .draw()?;
        if own_ticks {
            // A label that would run into the one before it is left out (5 and 10 on an
            // axis up to 300); its grid line and tick stay.
            let style = text_style(14.0, HPos::Center, VPos::Top);
            let mut free_from = i32::MIN;
            for &x in &xs {
                chart.draw_series(LineSeries::new([(x, y0), (x, y1)], grid))?;
                let (px, py) = chart.backend_coord(&(x, y0));
                root.draw(&PathElement::new(vec![(px, py), (px, py + 5)], BLACK))?;
                let text = short_number(x);
                let half = root.estimate_text_size(&text, &style)?.0 as i32 / 2;
                if px - half >= free_from {
                    label(root, &text, (px, py + 8), &style)?;
                    free_from = px + half + 6;
                }
            }
        }

        let several = self.series.len() > 1;
        for (k, s) in self.series.iter().enumerate() {
            let last = k + 1 == self.series.len();
            let colour = if several && last {
                BLACK
            } else {
                PALETTE[k % PALETTE.len()]
            };
            let stroke = if several && !last { 1 } else { 2 };
            let line = ShapeStyle::from(&colour).stroke_width(stroke);
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), line))?
                .label(s.name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], line));
            chart.draw_series(
                s.points
                    .iter()
                    .map(|&p| Circle::new(p, 2 + stroke, colour.filled())),
            )?;
            // The figures themselves above the points of the one line that matters.
            if last && s.points.len() <= 15 {
                // Beside each point, where neither of its segments runs (see `label_place`),
                // on a pale patch so grid lines do not run through the figures.
                let style = text_style(13.0, HPos::Center, VPos::Bottom);
                let pixels: Vec<(i32, i32)> =
                    s.points.iter().map(|p| chart.backend_coord(p)).collect();
                for (k, &p) in s.points.iter().enumerate() {
                    let text = format!("{:.2}", p.1);
                    let (tw, th) = root.estimate_text_size(&text, &style)?;
                    let (tw, th) = (tw as i32 + 4, th as i32 + 2);
                    let (dx, dy) = label_place(&pixels, k, tw, th);
                    chart.draw_series(std::iter::once(
                        EmptyElement::at(p)
                            + Rectangle::new(
                                [(dx - tw / 2, dy - th), (dx + tw / 2, dy)],
                                WHITE.mix(0.75).filled(),
                            )
                            + Text::new(text, (dx, dy - 1), style.clone()),
                    ))?;
                }
            }
        }
        if several {
            chart
                .configure_series_labels()
                .position(self.legend_corner((x0, x1), (y0, y1)))
                .label_font((FONT, 14))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .draw()?;
        }
        Ok(())
    }
}

/// Where point `k`'s label of `w × h` pixels goes, as the offset of its bottom centre from the
/// point: above it, unless a segment to a neighbour climbs through that spot; then above on
/// the other side; below it in a valley (both segments climb away).
fn label_place(pixels: &[(i32, i32)], k: usize, w: i32, h: i32) -> (i32, i32) {
    // Screen y grows downwards: a segment "climbs" when its far end has a smaller y. It is in
    // the way when it is still higher than the label's bottom where the label begins.
    let (x, y) = pixels[k];
    let climbs = |n: Option<&(i32, i32)>| {
        n.is_some_and(|&(nx, ny)| {
            let run = (nx - x).abs().max(1) as f64;
            let rise = (y - ny) as f64; // up is positive
            rise > 0.0 && rise / run * (w as f64 / 2.0) > 6.0
        })
    };
    let left = climbs(k.checked_sub(1).and_then(|i| pixels.get(i)));
    let right = climbs(pixels.get(k + 1));
    match (left, right) {
        (false, false) => (0, -7),
        (false, true) => (-w / 2 - 2, -4),
        (true, false) => (w / 2 + 2, -4),
        (true, true) => (0, h + 8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(points: Vec<(f64, f64)>) -> LineChart {
        LineChart {
            title: "t".into(),
            subtitle: "s".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series {
                name: "a".into(),
                points,
            }],
        }
    }

    #[test]
    fn ranges_leave_room_and_stay_inside_0_to_100() {
        let c = chart(vec![(1.0, 95.0), (2.0, 97.0), (5.0, 97.5)]);
        let (lo, hi) = c.y_range();
        assert!(
            lo < 95.0 && lo > 90.0 && hi > 97.5 && hi <= 100.0,
            "{lo}..{hi}"
        );
        let (lo, hi) = chart(vec![(1.0, 99.9)]).y_range();
        assert!(lo < 99.9 && hi == 100.0, "{lo}..{hi}");
        let (x0, x1) = LineChart::x_range(&c.xs());
        assert!(x0 < 1.0 && x1 > 5.0);
        // A single point still gets an x range around it.
        let (x0, x1) = LineChart::x_range(&[3.0]);
        assert!(x0 < 3.0 && x1 > 3.0);
    }

    #[test]
    fn labels_go_where_no_line_runs() {
        // A peak: above. Rising to the right: above left. A valley: below.
        let peak = [(0, 100), (50, 50), (100, 100)];
        assert_eq!(label_place(&peak, 1, 40, 14), (0, -7));
        let rising = [(0, 100), (50, 20)];
        assert_eq!(label_place(&rising, 0, 40, 14), (-22, -4));
        assert_eq!(label_place(&rising, 1, 40, 14), (0, -7));
        let valley = [(0, 20), (50, 100), (100, 20)];
        assert_eq!(label_place(&valley, 1, 40, 14), (0, 22));
        // Nearly flat neighbours are no obstacle.
        let flat = [(0, 100), (100, 98), (200, 100)];
        assert_eq!(label_place(&flat, 1, 40, 14), (0, -7));
    }

    #[test]
    fn draws_as_png_and_svg() {
        let c = chart(vec![(0.01, 91.0), (0.1, 95.5), (0.3, 94.0)]);
        let png = super::super::render(&c, super::super::Format::Png).unwrap();
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!((img.width(), img.height()), SIZE);
        let svg = super::super::render(&c, super::super::Format::Svg).unwrap();
        let svg = String::from_utf8(svg).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("95.50"),
            "{svg:.200}"
        );
    }
}
