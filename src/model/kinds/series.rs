//! A short metric series (CloudWatch GetMetricData) for a sparkline in the detail view.

use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Series {
    /// "CPU %", "free storage GB", "memory %".
    pub name: String,
    /// Oldest first.
    pub points: Vec<f64>,
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

impl Series {
    pub fn last(&self) -> Option<f64> {
        self.points.last().copied()
    }

    /// The points as bars scaled between the series' own minimum and maximum.
    pub fn sparkline(&self) -> String {
        let (lo, hi) = self
            .points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(*p), hi.max(*p))
            });
        self.points
            .iter()
            .map(|p| {
                let span = hi - lo;
                // A flat series sits mid-height, unless it is flat at zero (no evictions at
                // all), which is drawn as nothing.
                let i = if span > 0.0 {
                    ((p - lo) / span * 7.0).round() as usize
                } else if *p == 0.0 {
                    0
                } else {
                    3
                };
                BARS[i.min(7)]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_series() {
        let s = Series {
            name: "CPU %".into(),
            points: vec![10.0, 20.0, 90.0, 50.0],
        };
        assert_eq!(s.sparkline(), "▁▂█▅");
        assert_eq!(s.last(), Some(50.0));
        let flat = Series {
            name: "x".into(),
            points: vec![5.0, 5.0],
        };
        assert_eq!(flat.sparkline(), "▄▄");
        let none = Series {
            name: "evictions".into(),
            points: vec![0.0; 3],
        };
        assert_eq!(none.sparkline(), "▁▁▁");
    }
}
