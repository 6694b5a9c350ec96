//! Statistical process control as NHS England's "Making Data Count" uses it: XmR charts (and p-
//! and u-charts with varying limits), the four special-cause rules, and the variation and
//! assurance verdicts.

/// Which direction of change is an improvement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Improvement {
    /// Higher is better.
    Increase,
    /// Lower is better.
    Decrease,
    /// No direction (special causes are "neutral").
    Neutral,
}

/// The chart: the centre line and limits, and how they are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ChartType {
    /// Individuals and moving range: limits from the mean moving range.
    Xmr,
    /// Proportions (`value/denominator`) with binomial limits varying with each denominator.
    P,
    /// Rates (`value/denominator`) with Poisson limits varying with each denominator.
    U,
    /// Run chart: the median as centre line, no limits; shifts of 6 and trends of 5 points.
    Run,
    /// g-chart for rare events: counts of opportunities (e.g. days) between events, geometric limits.
    G,
    /// t-chart for rare events: times between events, XmR on `t^(1/3.6)` and back-transformed.
    T,
}

/// Options of [`spc`].
#[derive(Clone, Debug, PartialEq)]
pub struct SpcConfig {
    /// The chart.
    pub chart: ChartType,
    /// Compute centre and limits from the first `n` points of each segment only (a fixed
    /// baseline); `None` uses every point of the segment.
    pub baseline: Option<usize>,
    /// Start a new, independent segment at these point indices (0-based, increasing).
    pub rebase_at: Vec<usize>,
    /// Direction of improvement.
    pub improvement: Improvement,
    /// Points in a row that make a shift or a trend: 7 (the package default) or 6 (MDC's Excel tool).
    pub run_length: usize,
    /// XmR only: leave out moving ranges above 3.267 × the mean moving range and recompute it.
    pub screen_outliers: bool,
    /// A target for the assurance verdict.
    pub target: Option<f64>,
}

impl Default for SpcConfig {
    fn default() -> SpcConfig {
        SpcConfig {
            chart: ChartType::Xmr,
            baseline: None,
            rebase_at: Vec::new(),
            improvement: Improvement::Neutral,
            run_length: 7,
            screen_outliers: false,
            target: None,
        }
    }
}

/// Which rule flagged a point (after precedence: outside limits > trend > two of three > shift).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Beyond a process limit.
    OutsideLimits,
    /// Part of a run of points each above (or below) the previous.
    Trend,
    /// Beyond the 2σ line with another of three consecutive points, all on one side.
    TwoOfThree,
    /// Part of a run of points on one side of the centre line.
    Shift,
}

impl Rule {
    /// The label written in `special_cause_rule`.
    pub fn label(self) -> &'static str {
        match self {
            Rule::OutsideLimits => "outside_limits",
            Rule::Trend => "trend",
            Rule::TwoOfThree => "two_of_three",
            Rule::Shift => "shift",
        }
    }
}

/// What a point says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointType {
    /// Common-cause variation.
    CommonCause,
    /// Special cause in the direction of improvement.
    Improvement,
    /// Special cause against the direction of improvement.
    Concern,
    /// Special cause with no improvement direction.
    Neutral,
}

impl PointType {
    /// Every point type.
    pub const ALL: [PointType; 4] = [
        PointType::CommonCause,
        PointType::Improvement,
        PointType::Concern,
        PointType::Neutral,
    ];

    /// The point type a `point_type` label names, or `None` for any other text.
    pub fn from_label(label: &str) -> Option<PointType> {
        PointType::ALL.into_iter().find(|p| p.label() == label)
    }

    /// The label written in `point_type`.
    pub fn label(self) -> &'static str {
        match self {
            PointType::CommonCause => "common cause",
            PointType::Improvement => "special cause improvement",
            PointType::Concern => "special cause concern",
            PointType::Neutral => "special cause neutral",
        }
    }
}

/// Whether a target is met reliably, judged from the latest segment's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assurance {
    /// The target is outside the limits on the good side: every point passes.
    ConsistentlyPassing,
    /// The target is outside the limits on the bad side: every point fails.
    ConsistentlyFailing,
    /// The target lies within the limits.
    HitAndMiss,
}

impl Assurance {
    /// The label written in `assurance`.
    pub fn label(self) -> &'static str {
        match self {
            Assurance::ConsistentlyPassing => "consistently passing",
            Assurance::ConsistentlyFailing => "consistently failing",
            Assurance::HitAndMiss => "hit and miss",
        }
    }
}

/// One point of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct SpcPoint {
    /// The plotted value (`value/denominator` for p- and u-charts), `None` for a missing period.
    pub value: Option<f64>,
    /// Centre line.
    pub mean: f64,
    /// Lower process limit (3σ).
    pub lower_limit: f64,
    /// Upper process limit (3σ).
    pub upper_limit: f64,
    /// Lower 2σ line.
    pub lower_two_sigma: f64,
    /// Upper 2σ line.
    pub upper_two_sigma: f64,
    /// Moving range (XmR), if the point and the one before it are both present.
    pub moving_range: Option<f64>,
    /// The segment (0 for the first; +1 at each rebase).
    pub segment: usize,
    /// True when the segment's limits come from fewer than 12 points ("trial limits").
    pub trial_limits: bool,
    /// The rule that flagged the point, if any.
    pub rule: Option<Rule>,
    /// What the point says.
    pub point_type: PointType,
}

/// A whole chart with its verdicts.
#[derive(Clone, Debug, PartialEq)]
pub struct SpcChart {
    /// One entry per input point, in order.
    pub points: Vec<SpcPoint>,
    /// The variation verdict: the last present point's type.
    pub variation: PointType,
    /// The assurance verdict (with a target and a direction).
    pub assurance: Option<Assurance>,
    /// Indices of missing points (gaps kept, never closed up).
    pub gaps: Vec<usize>,
}

/// Builds an SPC chart and applies the special-cause rules.
///
/// # Method
/// XmR: centre = mean of the baseline points, `MR_t = |x_t − x_{t−1}|`, limits = mean ±
/// 2.66·MR̄ and 2σ lines at ± 1.7733·MR̄ (2/3 of the limit distance); with screening, moving
/// ranges above 3.267·MR̄ are left out once and MR̄ recomputed. p-chart: `p̄ = Σx/Σn`, limits
/// `p̄ ± 3√(p̄(1 − p̄)/n_i)`; u-chart: `ū ± 3√(ū/n_i)`. Each rebase starts an independent
/// segment; a baseline fixes the segment's centre and limits from its first points. Rules, with
/// whole runs flagged: a point beyond a limit; `run_length` points in a row on one side of the
/// centre (a point on the centre breaks the run); `run_length` points each above (below) the
/// previous (a tie breaks it); two of three consecutive points beyond the same 2σ line (but not
/// beyond the limit) with all three on that side. Labels follow the precedence outside limits >
/// trend > two of three > shift. g-chart: centre `ḡ` = mean count between events, limits
/// `ḡ ± 3√(ḡ(ḡ + 1))` (the geometric standard deviation). t-chart: XmR on `y = t^(1/3.6)`, centre
/// and limits back-transformed by `y^3.6`. Run chart: the median as centre line and no limits
/// (shift 6, trend 5, as NHS England's run-chart guidance). Lower limits of p, u and g charts
/// are floored at 0.
///
/// # Formula
/// As above; `2.66 = 3/d₂`, `d₂ = 1.128`; `3.267 = D₄` for ranges of two.
///
/// # References
/// Wheeler, D. J. (1993), *Understanding Variation*; NHS England, *Making Data Count* (2019,
/// 2021); Benneyan, J. C. (2001), Number-between g-type statistical quality control charts for
/// monitoring adverse events, *Health Care Manag Sci* 4, 305–318; Nelson, L. S. (1994), A control
/// chart for parts-per-million nonconforming items, *J Qual Technol* 26, 239–240; Perla, R. J.,
/// Provost, L. P. & Murray, S. K. (2011), The run chart, *BMJ Qual Saf* 20, 46–51; NHS-R
/// community NHSRplotthedots (`ptd_spc_standard.R`, `ptd_calculate_point_type.R`,
/// `ptd_calculate_assurance_type.R`), whose worked examples are the tests here.
///
/// # Edge cases
/// A missing value is a gap: it is reported, has no moving range, and breaks runs and trends (a
/// run must be consecutive periods); NHSRplotthedots silently closes gaps up (its issues #138,
/// #156). Points of a trend are improvement or concern by the trend's direction (MDC's colouring;
/// the package uses the side of the mean, its issue #171); other rules by the side of the
/// centre line. Fewer than 12 points in a segment's baseline are "trial limits". A segment
/// with no present point has NaN limits.
pub fn spc(
    values: &[Option<f64>],
    denominators: Option<&[Option<f64>]>,
    config: &SpcConfig,
) -> SpcChart {
    match config.chart {
        ChartType::T => return t_chart(values, config),
        ChartType::Run => return run_chart(values, config),
        _ => {}
    }
    let n = values.len();
    // Plotted values: ratio to the denominator for p- and u-charts.
    let plotted: Vec<Option<f64>> = match (config.chart, denominators) {
        (ChartType::Xmr, _) | (_, None) => values.to_vec(),
        (_, Some(d)) => values
            .iter()
            .zip(d)
            .map(|(v, d)| Some((*v)? / (*d).filter(|d| *d > 0.0)?))
            .collect(),
    };
    let mut bounds: Vec<usize> = vec![0];
    bounds.extend(config.rebase_at.iter().copied().filter(|&i| i > 0 && i < n));
    bounds.push(n);
    bounds.dedup();
    let mut points: Vec<SpcPoint> = Vec::with_capacity(n);
    for (segment, w) in bounds.windows(2).enumerate() {
        let (start, end) = (w[0], w[1]);
        let base_end = config.baseline.map_or(end, |b| (start + b).min(end));
        let base: Vec<usize> = (start..base_end)
            .filter(|&i| plotted[i].is_some())
            .collect();
        let trial = base.len() < 12;
        // Moving ranges within the segment, between consecutive present points.
        let mr: Vec<Option<f64>> = (start..end)
            .map(|i| {
                if i > start {
                    Some((plotted[i]? - plotted[i - 1]?).abs())
                } else {
                    None
                }
            })
            .collect();
        let centre;
        let mut half: Vec<f64> = vec![f64::NAN; end - start];
        match config.chart {
            ChartType::Xmr => {
                centre = base.iter().map(|&i| plotted[i].unwrap_or(0.0)).sum::<f64>()
                    / base.len() as f64;
                let base_mrs: Vec<f64> = (start..base_end).filter_map(|i| mr[i - start]).collect();
                let mut mr_bar = base_mrs.iter().sum::<f64>() / base_mrs.len() as f64;
                if config.screen_outliers {
                    let kept: Vec<f64> = base_mrs
                        .iter()
                        .copied()
                        .filter(|m| *m < 3.267 * mr_bar)
                        .collect();
                    mr_bar = kept.iter().sum::<f64>() / kept.len() as f64;
                }
                half.iter_mut().for_each(|h| *h = 2.66 * mr_bar);
            }
            ChartType::G => {
                centre = base.iter().map(|&i| plotted[i].unwrap_or(0.0)).sum::<f64>()
                    / base.len() as f64;
                let sd = (centre * (centre + 1.0)).sqrt();
                half.iter_mut().for_each(|h| *h = 3.0 * sd);
            }
            ChartType::Run | ChartType::T => unreachable!("handled above"),
            ChartType::P | ChartType::U => {
                let d = denominators.unwrap_or(&[]);
                let (num, den) = base.iter().fold((0.0, 0.0), |(a, b), &i| {
                    (
                        a + values[i].unwrap_or(0.0),
                        b + d.get(i).copied().flatten().unwrap_or(0.0),
                    )
                });
                centre = num / den;
                for i in start..end {
                    let ni = d.get(i).copied().flatten().unwrap_or(f64::NAN);
                    half[i - start] = match config.chart {
                        ChartType::P => 3.0 * (centre * (1.0 - centre) / ni).sqrt(),
                        _ => 3.0 * (centre / ni).sqrt(),
                    };
                }
            }
        }
        for i in start..end {
            let h = half[i - start];
            let (mut lo, hi) = (centre - h, centre + h);
            if config.chart != ChartType::Xmr {
                lo = lo.max(0.0);
            }
            let lower_two = if config.chart == ChartType::Xmr {
                centre - h * 2.0 / 3.0
            } else {
                (centre - h * 2.0 / 3.0).max(0.0)
            };
            points.push(SpcPoint {
                value: plotted[i],
                mean: centre,
                lower_limit: lo,
                upper_limit: hi,
                lower_two_sigma: lower_two,
                upper_two_sigma: centre + h * 2.0 / 3.0,
                moving_range: if config.chart == ChartType::Xmr {
                    mr[i - start]
                } else {
                    None
                },
                segment,
                trial_limits: trial,
                rule: None,
                point_type: PointType::CommonCause,
            });
        }
        apply_rules(&mut points[start..end], config);
    }
    finish(points, config)
}

/// Gaps, the variation verdict (last present point) and the assurance verdict (latest limits).
fn finish(points: Vec<SpcPoint>, config: &SpcConfig) -> SpcChart {
    let gaps = points
        .iter()
        .enumerate()
        .filter(|(_, p)| p.value.is_none())
        .map(|(i, _)| i)
        .collect();
    let variation = points
        .iter()
        .rev()
        .find(|p| p.value.is_some())
        .map_or(PointType::CommonCause, |p| p.point_type);
    let assurance = match (config.target, points.last(), config.improvement) {
        (Some(t), Some(last), Improvement::Increase | Improvement::Decrease)
            if last.upper_limit.is_finite() =>
        {
            let (lo, hi) = (last.lower_limit, last.upper_limit);
            let increase = config.improvement == Improvement::Increase;
            Some(if t > hi {
                if increase {
                    Assurance::ConsistentlyFailing
                } else {
                    Assurance::ConsistentlyPassing
                }
            } else if t < lo {
                if increase {
                    Assurance::ConsistentlyPassing
                } else {
                    Assurance::ConsistentlyFailing
                }
            } else {
                Assurance::HitAndMiss
            })
        }
        _ => None,
    };
    SpcChart {
        points,
        variation,
        assurance,
        gaps,
    }
}

/// t-chart: XmR on `t^(1/3.6)`, limits and centre back-transformed (Nelson's transformation
/// makes exponential waiting times close to normal).
fn t_chart(values: &[Option<f64>], config: &SpcConfig) -> SpcChart {
    let transformed: Vec<Option<f64>> = values
        .iter()
        .map(|v| v.filter(|t| *t >= 0.0).map(|t| t.powf(1.0 / 3.6)))
        .collect();
    let inner = spc(
        &transformed,
        None,
        &SpcConfig {
            chart: ChartType::Xmr,
            ..config.clone()
        },
    );
    let back = |v: f64| v.max(0.0).powf(3.6);
    let points = inner
        .points
        .into_iter()
        .zip(values)
        .map(|(p, v)| SpcPoint {
            value: *v,
            mean: back(p.mean),
            lower_limit: back(p.lower_limit),
            upper_limit: back(p.upper_limit),
            lower_two_sigma: back(p.lower_two_sigma),
            upper_two_sigma: back(p.upper_two_sigma),
            moving_range: None,
            ..p
        })
        .collect();
    finish(points, config)
}

/// Run chart: median centre line, no limits; a shift is 6 or more points on one side of the
/// median (points on it neither break nor count), a trend 5 or more points each above (below)
/// the previous (ties neither break nor count), as NHS England's run-chart guidance.
fn run_chart(values: &[Option<f64>], config: &SpcConfig) -> SpcChart {
    let mut sorted: Vec<f64> = values.iter().flatten().copied().collect();
    sorted.sort_by(f64::total_cmp);
    let median = match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    };
    let n = values.len();
    let present: Vec<usize> = (0..n).filter(|&i| values[i].is_some()).collect();
    let mut shift = vec![0i8; n];
    // Shifts over the present points that are not on the median.
    let off: Vec<(usize, i8)> = present
        .iter()
        .filter_map(|&i| {
            let v = values[i].unwrap_or(median);
            (v != median).then_some((i, if v > median { 1 } else { -1 }))
        })
        .collect();
    let mut a = 0;
    while a < off.len() {
        let mut b = a;
        while b < off.len() && off[b].1 == off[a].1 {
            b += 1;
        }
        if b - a >= 6 {
            off[a..b].iter().for_each(|(i, s)| shift[*i] = *s);
        }
        a = b;
    }
    // Trends over present points, skipping ties.
    let mut trend = vec![0i8; n];
    let mut runs: Vec<(usize, i8)> = Vec::new();
    for w in present.windows(2) {
        let (x, y) = (values[w[0]].unwrap_or(0.0), values[w[1]].unwrap_or(0.0));
        if y != x {
            runs.push((w[1], if y > x { 1 } else { -1 }));
        }
    }
    let mut a = 0;
    while a < runs.len() {
        let mut b = a;
        while b < runs.len() && runs[b].1 == runs[a].1 {
            b += 1;
        }
        // b − a steps in one direction: b − a + 1 points.
        if b - a + 1 >= 5 {
            let first = present
                .iter()
                .rposition(|&i| i < runs[a].0)
                .map_or(runs[a].0, |p| present[p]);
            trend[first] = runs[a].1;
            runs[a..b].iter().for_each(|(i, d)| trend[*i] = *d);
        }
        a = b;
    }
    let points = (0..n)
        .map(|i| {
            let rule = if trend[i] != 0 {
                Some(Rule::Trend)
            } else if shift[i] != 0 {
                Some(Rule::Shift)
            } else {
                None
            };
            let direction = if trend[i] != 0 { trend[i] } else { shift[i] };
            SpcPoint {
                value: values[i],
                mean: median,
                lower_limit: f64::NAN,
                upper_limit: f64::NAN,
                lower_two_sigma: f64::NAN,
                upper_two_sigma: f64::NAN,
                moving_range: None,
                segment: 0,
                trial_limits: present.len() < 12,
                rule,
                point_type: signal_type(rule, direction, config.improvement),
            }
        })
        .collect();
    finish(points, config)
}

/// A point's type from its rule and the direction of its signal.
fn signal_type(rule: Option<Rule>, direction: i8, improvement: Improvement) -> PointType {
    match (rule, improvement) {
        (None, _) => PointType::CommonCause,
        (Some(_), Improvement::Neutral) => PointType::Neutral,
        (Some(_), Improvement::Increase) if direction > 0 => PointType::Improvement,
        (Some(_), Improvement::Decrease) if direction < 0 => PointType::Improvement,
        (Some(_), _) => PointType::Concern,
    }
}

/// Flags special causes within one segment and sets point types.
fn apply_rules(points: &mut [SpcPoint], config: &SpcConfig) {
    let n = points.len();
    let k = config.run_length.max(2);
    // Side of the centre line: +1 above, −1 below, 0 on it or missing.
    let side: Vec<i8> = points
        .iter()
        .map(|p| match p.value {
            Some(v) if v > p.mean => 1,
            Some(v) if v < p.mean => -1,
            _ => 0,
        })
        .collect();
    let outside: Vec<bool> = points
        .iter()
        .map(|p| {
            p.value
                .is_some_and(|v| v > p.upper_limit || v < p.lower_limit)
        })
        .collect();
    // Shift: maximal runs of the same nonzero side.
    let mut shift = vec![false; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j < n && side[j] != 0 && side[j] == side[i] {
            j += 1;
        }
        if j - i >= k {
            shift[i..j].iter_mut().for_each(|s| *s = true);
        }
        i = if j > i { j } else { i + 1 };
    }
    // Trend: maximal runs of strict increases (or decreases) between consecutive present points.
    let mut trend: Vec<i8> = vec![0; n];
    let step = |a: usize| -> i8 {
        match (points[a].value, points[a + 1].value) {
            (Some(x), Some(y)) if y > x => 1,
            (Some(x), Some(y)) if y < x => -1,
            _ => 0,
        }
    };
    let mut i = 0;
    while i + 1 < n {
        let dir = step(i);
        if dir == 0 {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < n && step(j) == dir {
            j += 1;
        }
        // Points i..=j, each after the first beyond the previous.
        if j - i + 1 >= k {
            trend[i..=j].iter_mut().for_each(|t| *t = dir);
        }
        i = j;
    }
    // Two of three beyond the same 2σ line (within the limits), all three on that side.
    let beyond: Vec<i8> = points
        .iter()
        .zip(&outside)
        .map(|(p, &out)| match p.value {
            Some(v) if !out && v > p.upper_two_sigma => 1,
            Some(v) if !out && v < p.lower_two_sigma => -1,
            _ => 0,
        })
        .collect();
    let mut two_of_three = vec![false; n];
    for w in 0..n.saturating_sub(2) {
        for s in [1i8, -1] {
            if (w..w + 3).all(|i| side[i] == s)
                && (w..w + 3).filter(|&i| beyond[i] == s).count() >= 2
            {
                (w..w + 3)
                    .filter(|&i| beyond[i] == s)
                    .for_each(|i| two_of_three[i] = true);
            }
        }
    }
    for i in 0..n {
        let rule = if outside[i] {
            Some(Rule::OutsideLimits)
        } else if trend[i] != 0 {
            Some(Rule::Trend)
        } else if two_of_three[i] {
            Some(Rule::TwoOfThree)
        } else if shift[i] {
            Some(Rule::Shift)
        } else {
            None
        };
        points[i].rule = rule;
        // Direction of the signal: the trend's for trends, else the side of the centre line.
        let direction = match rule {
            None => 0,
            Some(Rule::Trend) => trend[i],
            Some(_) => side[i],
        };
        points[i].point_type = signal_type(rule, direction, config.improvement);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_type_labels_read_back_and_nothing_else_does() {
        for p in PointType::ALL {
            assert_eq!(PointType::from_label(p.label()), Some(p));
        }
        for text in [
            "",
            "Common cause",
            "special cause",
            "special cause improvement ",
        ] {
            assert_eq!(PointType::from_label(text), None, "{text}");
        }
    }

    fn some(v: &[f64]) -> Vec<Option<f64>> {
        v.iter().map(|x| Some(*x)).collect()
    }

    fn near(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    #[test]
    fn example_a_limits() {
        let c = spc(
            &some(&[10., 12., 11., 13., 12., 14., 11., 12., 13., 12.]),
            None,
            &SpcConfig::default(),
        );
        let p = &c.points[0];
        near(p.mean, 12.0, 1e-12);
        near(p.upper_limit - p.mean, 2.66 * 1.55556, 5e-5);
        near(p.lower_limit, 7.86222, 5e-6);
        near(p.upper_limit, 16.13778, 5e-6);
        assert!(c.points.iter().all(|p| p.rule.is_none() && p.trial_limits));
    }

    #[test]
    fn example_b_with_and_without_screening() {
        let y = some(&[5., 6., 5., 7., 6., 20., 6., 5., 6., 7., 5., 6.]);
        let plain = spc(&y, None, &SpcConfig::default());
        near(plain.points[0].lower_limit, -2.43091, 5e-6);
        near(plain.points[0].upper_limit, 16.43091, 5e-6);
        assert_eq!(
            plain.points[5].rule,
            Some(Rule::OutsideLimits),
            "20 is above 16.43"
        );
        let screened = spc(
            &y,
            None,
            &SpcConfig {
                screen_outliers: true,
                ..SpcConfig::default()
            },
        );
        near(screened.points[0].lower_limit, 3.74889, 5e-6);
        near(screened.points[0].upper_limit, 10.25111, 5e-6);
        assert_eq!(screened.points[5].rule, Some(Rule::OutsideLimits));
        assert!(!screened.points[0].trial_limits);
    }

    fn example_c() -> Vec<Option<f64>> {
        some(&[
            50., 53., 48., 51., 47., 52., 49., 54., 50., 46., 51., 49., 55., 56., 54., 57., 55.,
            58., 56., 49., 47., 45., 44., 42., 40., 38., 51., 59., 60., 50.,
        ])
    }

    #[test]
    fn example_c_labels_every_point_as_the_package_does() {
        let cfg = SpcConfig {
            baseline: Some(12),
            improvement: Improvement::Increase,
            ..SpcConfig::default()
        };
        let c = spc(&example_c(), None, &cfg);
        let p = &c.points[0];
        near(p.mean, 50.0, 1e-12);
        near(p.lower_limit, 39.60182, 5e-6);
        near(p.upper_limit, 60.39818, 5e-6);
        near(p.lower_two_sigma, 43.06788, 5e-6);
        near(p.upper_two_sigma, 56.93212, 5e-6);
        let label = |i: usize| c.points[i - 1].rule.map_or("", Rule::label);
        for i in 1..=30 {
            let want = match i {
                13..=15 | 17 => "shift",
                16 | 28 | 29 => "two_of_three",
                18..=25 => "trend",
                26 => "outside_limits",
                _ => "",
            };
            assert_eq!(label(i), want, "point {i}");
        }
        // The falling trend is a concern when improvement is an increase.
        assert_eq!(c.points[20].point_type, PointType::Concern);
        assert_eq!(c.points[13].point_type, PointType::Improvement);
        for (target, want) in [
            (65.0, Assurance::ConsistentlyFailing),
            (55.0, Assurance::HitAndMiss),
            (38.0, Assurance::ConsistentlyPassing),
        ] {
            let c = spc(
                &example_c(),
                None,
                &SpcConfig {
                    target: Some(target),
                    ..cfg.clone()
                },
            );
            assert_eq!(c.assurance, Some(want), "target {target}");
        }
    }

    #[test]
    fn gaps_break_runs_and_are_reported() {
        // Seven points above the mean, but with a gap in the middle: no shift.
        let mut y = some(&[
            0., 10., 0., 10., 0., 10., 0., 10., 6., 6., 6., 6., 6., 6., 6., 0., 10., 0., 10.,
        ]);
        let full = spc(&y, None, &SpcConfig::default());
        assert!(
            full.points[8..15]
                .iter()
                .all(|p| p.rule == Some(Rule::Shift))
        );
        // The 10 before the 6s is above the mean too: the run is points 7 to 14.
        assert!(
            full.points[7..15]
                .iter()
                .all(|p| p.rule == Some(Rule::Shift))
        );
        assert!(full.points[..7].iter().all(|p| p.rule.is_none()));
        y[11] = None;
        let gapped = spc(&y, None, &SpcConfig::default());
        assert_eq!(gapped.gaps, vec![11]);
        assert!(gapped.points[7..15].iter().all(|p| p.rule.is_none()));
        assert_eq!(gapped.points[12].moving_range, None);
    }

    #[test]
    fn rebasing_gives_independent_segments() {
        let mut y: Vec<f64> = vec![10.0; 12];
        y.extend(vec![20.0; 12]);
        for (i, v) in y.iter_mut().enumerate() {
            *v += if i % 2 == 0 { 0.5 } else { -0.5 };
        }
        let c = spc(
            &some(&y),
            None,
            &SpcConfig {
                rebase_at: vec![12],
                ..SpcConfig::default()
            },
        );
        near(c.points[0].mean, 10.0, 1e-12);
        near(c.points[12].mean, 20.0, 1e-12);
        assert_eq!(c.points[12].segment, 1);
        assert_eq!(
            c.points[12].moving_range, None,
            "no moving range across a rebase"
        );
        assert!(c.points.iter().all(|p| p.rule.is_none()));
    }

    #[test]
    fn run_chart_shifts_and_trends_around_the_median() {
        // Median 5; six points above it with one on the median inside: still a shift.
        let y = some(&[1., 2., 3., 4., 5., 6., 7., 8., 5., 9., 6., 7., 3., 2.]);
        let c = spc(
            &y,
            None,
            &SpcConfig {
                chart: ChartType::Run,
                improvement: Improvement::Increase,
                ..SpcConfig::default()
            },
        );
        assert!(c.points.iter().all(|p| p.mean == 5.0));
        // Points 6, 7, 8, (5 on the median), 9, 6, 7: six above the median, a shift.
        assert!(
            c.points[9..12].iter().all(|p| p.rule == Some(Rule::Shift)),
            "{:?}",
            c.points.iter().map(|p| p.rule).collect::<Vec<_>>()
        );
        assert_eq!(c.points[8].rule, None, "on the median");
        // 1..8 rising: a trend of 8 points.
        assert!(c.points[..8].iter().all(|p| p.rule == Some(Rule::Trend)));
        assert!(c.points[0].lower_limit.is_nan());
        assert_eq!(c.assurance, None, "no limits, no assurance");
    }

    #[test]
    fn g_chart_has_geometric_limits() {
        let days = some(&[10., 25., 3., 40., 18., 7., 30., 12., 200.]);
        let c = spc(
            &days,
            None,
            &SpcConfig {
                chart: ChartType::G,
                improvement: Improvement::Increase,
                ..SpcConfig::default()
            },
        );
        let g = 345.0 / 9.0;
        near(c.points[0].mean, g, 1e-12);
        near(
            c.points[0].upper_limit,
            g + 3.0 * (g * (g + 1.0)).sqrt(),
            1e-9,
        );
        assert_eq!(c.points[0].lower_limit, 0.0);
        assert_eq!(c.points[8].rule, Some(Rule::OutsideLimits));
        assert_eq!(
            c.points[8].point_type,
            PointType::Improvement,
            "a long gap between adverse events"
        );
    }

    #[test]
    fn t_chart_back_transforms_its_limits() {
        let t = some(&[12., 30., 5., 44., 20., 9., 33., 15., 25., 18., 11., 27.]);
        let c = spc(
            &t,
            None,
            &SpcConfig {
                chart: ChartType::T,
                ..SpcConfig::default()
            },
        );
        let tr: Vec<f64> = [12., 30., 5., 44., 20., 9., 33., 15., 25., 18., 11., 27.]
            .iter()
            .map(|v: &f64| v.powf(1.0 / 3.6))
            .collect();
        let mean = tr.iter().sum::<f64>() / 12.0;
        near(c.points[0].mean, mean.powf(3.6), 1e-9);
        assert!(c.points[0].upper_limit > 44.0);
        assert_eq!(
            c.points[3].value,
            Some(44.0),
            "points stay on the time scale"
        );
    }

    #[test]
    fn u_chart_limits_from_the_pooled_rate() {
        // ū = 200/700; limits ū ± 3√(ū/n): by hand, 0.125358–0.446071 at n = 100 and
        // 0.172325–0.399104 at n = 200.
        let x = some(&[30., 50., 20., 60., 40.]);
        let n = some(&[100., 200., 100., 200., 100.]);
        let c = spc(
            &x,
            Some(&n),
            &SpcConfig {
                chart: ChartType::U,
                ..SpcConfig::default()
            },
        );
        near(c.points[0].mean, 0.285714285714, 1e-12);
        near(c.points[1].value.unwrap(), 0.25, 1e-15);
        near(c.points[0].lower_limit, 0.125357540567, 1e-11);
        near(c.points[0].upper_limit, 0.446071030862, 1e-11);
        near(c.points[1].lower_limit, 0.172324943812, 1e-11);
        near(c.points[1].upper_limit, 0.399103627617, 1e-11);
        assert!(
            c.points.iter().all(|p| p.rule.is_none()),
            "every point is inside"
        );
    }

    #[test]
    fn p_chart_limits_vary_with_the_denominator() {
        let x = some(&[10., 12., 9., 30., 11.]);
        let n = some(&[100., 100., 100., 100., 400.]);
        let c = spc(
            &x,
            Some(&n),
            &SpcConfig {
                chart: ChartType::P,
                ..SpcConfig::default()
            },
        );
        let pbar = 72.0 / 800.0;
        near(c.points[0].mean, pbar, 1e-12);
        near(
            c.points[0].upper_limit,
            pbar + 3.0 * (pbar * (1.0 - pbar) / 100.0).sqrt(),
            1e-12,
        );
        near(
            c.points[4].upper_limit,
            pbar + 3.0 * (pbar * (1.0 - pbar) / 400.0).sqrt(),
            1e-12,
        );
        assert_eq!(
            c.points[3].rule,
            Some(Rule::OutsideLimits),
            "30% of 100 is above the limit"
        );
    }
}
