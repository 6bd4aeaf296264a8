"""The planted parameters of the synthetic integrated care system, kept in one place.

The generator (:mod:`analysis.data.synthetic`) reads every effect from here, and
:func:`planted_truth` turns the same numbers into the machine-readable truth file
``data/truth.json``, so the truth cannot drift from what was planted.

Model scale. ``d`` is the deprivation score of a person's small area on a 0-1 scale,
``d = (5 - imd_quintile) / 4`` (0 = national quintile 5, least deprived; 1 = quintile 1,
most deprived, Core20). Effects are additive on the linear predictor:

- mortality and cancer incidence: log rate ratios per year at risk
  (``log m = log base(age, sex) + beta_dep * d + beta_ethnicity + beta_interaction * d``);
  the reference group is White people in quintile 5 (``d = 0``);
- conditions, hypertension detection, emergency presentation, late stage: log odds ratios;
- latent multimorbidity groups: multinomial logits against the "Healthy" group;
- emergency admissions: log rate ratios.

Base rates are per 100,000 person-years at anchor ages, interpolated log-linearly between
anchors (single years of age); they are deliberately plausible for England (ONS deaths
registrations, NHS Digital QOF, NDRS cancer registrations) but they are not official figures.
"""

from __future__ import annotations

from typing import Any

# fmt: off
GENERATOR_VERSION = "1"
DEFAULT_SEED = 20240601
DEFAULT_N_PEOPLE = 1_000_000
FIRST_YEAR = 2020
LAST_YEAR = 2024
YEARS: tuple[int, ...] = tuple(range(FIRST_YEAR, LAST_YEAR + 1))

SEXES = ("Female", "Male")
ETHNICITIES = ("White", "Asian", "Black", "Mixed", "Other", "Not stated")
SMOKING = ("Never", "Former", "Current")
BMI_BANDS = ("Underweight", "Healthy weight", "Overweight", "Obese")
CAUSE_GROUPS = ("CVD", "Cancer", "Other")
CANCER_SITES = ("Lung", "Colorectal", "Breast", "Prostate", "Other")
CONDITIONS = (
    "hypertension",
    "chd",
    "stroke_tia",
    "heart_failure",
    "atrial_fibrillation",
    "diabetes",
    "ckd",
    "copd",
    "asthma",
    "depression",
    "dementia",
)
CVD_CONDITIONS = ("hypertension", "chd", "stroke_tia", "heart_failure", "atrial_fibrillation")

# --- places --------------------------------------------------------------------------------
#: Residents per small area on average (LSOA-like).
RESIDENTS_PER_AREA = 1_500
#: Residents per GP practice on average.
RESIDENTS_PER_PRACTICE = 8_000
#: Invented districts: code, name, share of residents, mean deprivation (national z score;
#: positive = more deprived), urban (1) or not. "ZD" prefixes are used by no ONS geography.
DISTRICTS: tuple[tuple[str, str, float, float, int], ...] = (
    ("ZD001", "Varrowfield", 0.30, 0.95, 1),
    ("ZD002", "Brindlecombe", 0.18, 0.35, 1),
    ("ZD003", "Ostermere", 0.15, 0.0, 0),
    ("ZD004", "Pellingrove", 0.14, -0.25, 0),
    ("ZD005", "Quendlebury", 0.12, -0.5, 0),
    ("ZD006", "Thaxmoor", 0.11, -0.85, 0),
)
#: Spread of area deprivation (z score) around the district mean.
AREA_DEPRIVATION_SD = 0.7
#: National IMD-like score: log(score) ~ Normal(mean, sd) over a fictional nation of areas.
IMD_LOG_MEAN = 2.85
IMD_LOG_SD = 0.55
NATIONAL_AREAS = 32_844

# --- people ----------------------------------------------------------------------------------
#: Share of residents by ESP 2013 five-year band (England-like, ONS mid-year estimates 2021).
AGE_BAND_SHARES = (5.4, 5.9, 6.0, 5.6, 6.0, 6.7, 6.9, 6.7, 6.3, 6.4, 6.9, 6.7, 5.8, 5.0, 5.1, 3.8, 2.6, 1.6, 0.9)
#: Share of females in each band (ONS mid-year estimates, rounded).
FEMALE_SHARES = (0.488, 0.488, 0.488, 0.487, 0.49, 0.5, 0.505, 0.505, 0.505, 0.507, 0.507, 0.508, 0.512, 0.52, 0.525, 0.54, 0.565, 0.61, 0.69)
#: Deprived areas are younger: log-odds tilt of the age distribution per z unit of deprivation
#: per 20 years of age above 40.
AGE_TILT_PER_DEPRIVATION = -0.15

#: Ethnicity: shares at average deprivation, change in log odds (vs White) per z unit of area
#: deprivation, in urban districts, under 40s, 65 and over.
ETHNICITY_SHARES = (0.80, 0.085, 0.035, 0.025, 0.015, 0.04)
ETHNICITY_DEPRIVATION = (0.0, 0.5, 0.6, 0.3, 0.4, 0.2)
ETHNICITY_URBAN = (0.0, 0.6, 0.6, 0.3, 0.4, 0.0)
ETHNICITY_UNDER_40 = (0.0, 0.35, 0.35, 0.6, 0.3, 0.1)
ETHNICITY_65_PLUS = (0.0, -0.6, -0.6, -0.8, -0.5, 0.0)

#: Current smoking (age 16+): logit intercept, per d, male, per 10 years over 45, by ethnicity.
SMOKING_CURRENT = {"intercept": -2.6, "d": 1.1, "male": 0.25, "age_per_10_over_45": -0.25,
                   "ethnicity": (0.0, -0.4, -0.5, 0.2, -0.2, 0.0)}
#: Former smoking among those not currently smoking: logit intercept and per 10 years over 40.
SMOKING_FORMER = {"intercept": -1.3, "age_per_10_over_40": 0.35}
#: BMI band: ordered logit cut points and effects on the latent scale.
BMI = {"cuts": (-3.3, 0.0, 1.5), "d": 0.6, "adult_middle_age": 0.45, "child": -0.8,
       "ethnicity": (0.0, -0.15, 0.4, 0.0, -0.1, 0.0)}

# --- latent multimorbidity groups (adults 18+; children are all "Healthy") -----------------
LATENT_GROUPS = (
    "Healthy",
    "Cardiometabolic",
    "Frail cardiovascular",
    "Respiratory",
    "Mental health",
)
#: Multinomial logits vs Healthy: intercept, per 10 years over 50, d, obese, current smoker,
#: Asian, female.
LATENT_GROUP_LOGITS = {
    "Cardiometabolic": {"intercept": -2.4, "age_per_10_over_50": 0.75, "d": 0.8, "obese": 0.6, "current_smoker": 0.0, "asian": 0.6, "female": -0.2},
    "Frail cardiovascular": {"intercept": -4.4, "age_per_10_over_50": 1.25, "d": 0.5, "obese": 0.2, "current_smoker": 0.3, "asian": 0.0, "female": -0.1},
    "Respiratory": {"intercept": -2.9, "age_per_10_over_50": 0.15, "d": 0.9, "obese": 0.2, "current_smoker": 1.2, "asian": -0.4, "female": 0.1},
    "Mental health": {"intercept": -2.3, "age_per_10_over_50": -0.1, "d": 0.7, "obese": 0.3, "current_smoker": 0.5, "asian": -0.3, "female": 0.4},
}
#: Probability of each condition (order of CONDITIONS) in each latent group, for a White
#: woman aged 60 in quintile 5.
GROUP_CONDITION_PROBABILITIES = {
    "Healthy":               (0.18, 0.003, 0.003, 0.001, 0.004, 0.012, 0.006, 0.003, 0.04, 0.045, 0.001),
    "Cardiometabolic":       (0.7, 0.06, 0.03, 0.015, 0.03, 0.25, 0.1, 0.03, 0.07, 0.12, 0.004),
    "Frail cardiovascular":  (0.8, 0.22, 0.16, 0.12, 0.22, 0.25, 0.28, 0.07, 0.07, 0.18, 0.035),
    "Respiratory":           (0.25, 0.03, 0.02, 0.015, 0.02, 0.05, 0.03, 0.22, 0.45, 0.18, 0.003),
    "Mental health":         (0.15, 0.01, 0.01, 0.005, 0.01, 0.03, 0.015, 0.02, 0.07, 0.6, 0.008),
}
#: Prevalence of each condition among under 18s (no latent group structure).
CHILD_CONDITION_PROBABILITIES = (0.0, 0.0, 0.0, 0.0, 0.0, 0.003, 0.0, 0.0, 0.07, 0.01, 0.0)
#: Direct log odds ratios on each condition, given the latent group (order of CONDITIONS).
CONDITION_EFFECTS = {
    "d": (0.25, 0.30, 0.30, 0.20, 0.05, 0.35, 0.15, 0.50, 0.15, 0.30, 0.10),
    "male": (0.15, 0.60, 0.20, 0.30, 0.30, 0.25, -0.10, 0.10, -0.20, -0.50, -0.20),
    "age_per_10_over_60": (0.35, 0.30, 0.35, 0.40, 0.45, 0.10, 0.35, 0.15, -0.10, -0.10, 0.90),
    "Asian": (0.10, 0.40, 0.10, 0.0, -0.30, 0.90, 0.20, -0.70, 0.0, -0.30, 0.0),
    "Black": (0.60, -0.40, 0.40, 0.0, -0.60, 0.50, 0.30, -0.60, 0.0, -0.20, 0.10),
    "Mixed": (0.10, 0.0, 0.10, 0.0, -0.20, 0.20, 0.0, -0.20, 0.10, 0.10, 0.0),
    "Other": (0.10, 0.10, 0.10, 0.0, -0.30, 0.40, 0.10, -0.50, -0.10, -0.20, 0.0),
    "Not stated": (0.0,) * 11,
}
#: Recorded (diagnosed) hypertension among people who truly have it: logit intercept, per 10
#: years over 60, d, any other CVD or diabetes/CKD on the register, ethnicity, and the
#: deprivation x ethnicity interaction (per unit d).
HYPERTENSION_DETECTION = {
    "intercept": 0.4, "age_per_10_over_60": 0.55, "d": -0.5, "other_register": 1.2,
    "ethnicity": {"White": 0.0, "Asian": 0.0, "Black": -0.2, "Mixed": -0.3, "Other": -0.3, "Not stated": -0.7},
    "d_x_ethnicity": {"Black": -0.5},
}

# --- deaths (cause-specific hazards; all-cause = their sum) ----------------------------------
#: All-cause deaths per 100,000 person-years for the reference group (White, quintile 5).
MORTALITY_ANCHOR_AGES = (0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 105)
MORTALITY_MALE = (300, 9, 5.4, 6.3, 18, 32, 40, 54, 76, 110, 170, 250, 390, 590, 930, 1480, 2520, 4410, 8010, 15300, 23400, 40500)
MORTALITY_FEMALE = (240, 7.2, 4.5, 4.5, 8.1, 12, 17, 26, 43, 70, 110, 170, 260, 390, 610, 990, 1710, 3150, 6120, 13000, 20700, 37800)
#: Share of deaths by cause at each anchor age (reference group).
CAUSE_SHARE_CVD = (0.041, 0.041, 0.041, 0.041, 0.066, 0.082, 0.098, 0.123, 0.148, 0.172, 0.189, 0.197, 0.197, 0.197, 0.197, 0.205, 0.213, 0.221, 0.23, 0.238, 0.246, 0.246)
CAUSE_SHARE_CANCER = (0.025, 0.125, 0.25, 0.25, 0.188, 0.15, 0.188, 0.275, 0.4, 0.475, 0.525, 0.537, 0.55, 0.537, 0.512, 0.475, 0.4, 0.312, 0.225, 0.15, 0.112, 0.088)
#: Log rate ratios by cause: per unit d, ethnicity (vs White), d x ethnicity interaction.
MORTALITY_EFFECTS = {
    "CVD": {"d": 0.75, "ethnicity": {"Asian": 0.15, "Black": -0.10, "Mixed": 0.0, "Other": -0.20, "Not stated": 0.0},
            "d_x_ethnicity": {"Asian": 0.30}},
    "Cancer": {"d": 0.45, "ethnicity": {"Asian": -0.50, "Black": -0.20, "Mixed": -0.10, "Other": -0.40, "Not stated": 0.0},
               "d_x_ethnicity": {}},
    "Other": {"d": 0.65, "ethnicity": {"Asian": -0.20, "Black": -0.20, "Mixed": -0.05, "Other": -0.30, "Not stated": 0.0},
              "d_x_ethnicity": {}},
}

# --- cancers ---------------------------------------------------------------------------------
CANCER_ANCHOR_AGES = (0, 15, 25, 35, 45, 55, 65, 75, 85, 105)
#: New diagnoses per 100,000 person-years by site, reference group (White, quintile 5, never smoker).
CANCER_INCIDENCE = {
    "Lung":       {"Female": (0.055, 0.11, 0.28, 1.1, 6.6, 25, 61, 99, 94, 82), "Male": (0.055, 0.11, 0.28, 1.1, 7.7, 30, 77, 130, 140, 130)},
    "Colorectal": {"Female": (0.1, 0.5, 2, 7, 20, 50, 100, 170, 230, 250), "Male": (0.1, 0.5, 2, 8, 24, 70, 150, 250, 320, 330)},
    "Breast":     {"Female": (0.1, 0.5, 8, 50, 150, 230, 280, 300, 330, 330), "Male": (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
    "Prostate":   {"Female": (0, 0, 0, 0, 0, 0, 0, 0, 0, 0), "Male": (0.1, 0.1, 0.2, 1, 15, 200, 550, 750, 700, 650)},
    "Other":      {"Female": (12, 15, 30, 60, 110, 200, 380, 620, 800, 850), "Male": (14, 15, 25, 45, 95, 230, 520, 900, 1150, 1200)},
}
#: Log rate ratios on incidence by site: per unit d, by ethnicity, current and former smoking.
CANCER_INCIDENCE_EFFECTS = {
    "Lung": {"d": 0.9, "ethnicity": {"Asian": -0.8, "Black": -0.5, "Mixed": 0.0, "Other": -0.4, "Not stated": 0.0}, "current_smoker": 1.6, "former_smoker": 0.8},
    "Colorectal": {"d": 0.1, "ethnicity": {"Asian": -0.5, "Black": -0.3, "Mixed": 0.0, "Other": -0.3, "Not stated": 0.0}, "current_smoker": 0.2, "former_smoker": 0.1},
    "Breast": {"d": -0.1, "ethnicity": {"Asian": -0.2, "Black": -0.1, "Mixed": 0.0, "Other": -0.2, "Not stated": 0.0}, "current_smoker": 0.0, "former_smoker": 0.0},
    "Prostate": {"d": -0.2, "ethnicity": {"Asian": -0.5, "Black": 0.7, "Mixed": 0.2, "Other": -0.2, "Not stated": 0.0}, "current_smoker": 0.0, "former_smoker": 0.0},
    "Other": {"d": 0.15, "ethnicity": {"Asian": -0.4, "Black": -0.2, "Mixed": 0.0, "Other": -0.3, "Not stated": 0.0}, "current_smoker": 0.3, "former_smoker": 0.1},
}
#: Emergency presentation (log odds): intercept, per unit d, per 10 years over 65, site, ethnicity.
EMERGENCY_PRESENTATION = {
    "intercept": -1.9, "d": 0.6, "age_per_10_over_65": 0.25,
    "site": {"Lung": 0.6, "Colorectal": 0.4, "Breast": -1.8, "Prostate": -1.0, "Other": 0.2},
    "ethnicity": {"White": 0.0, "Asian": 0.1, "Black": 0.2, "Mixed": 0.1, "Other": 0.1, "Not stated": 0.2},
}
#: Late stage (3-4) among staged cancers (log odds): site intercepts, per unit d, emergency
#: presentation, ethnicity, per 10 years over 65.
LATE_STAGE = {
    "site": {"Lung": 0.6, "Colorectal": -0.4, "Breast": -2.0, "Prostate": -1.0, "Other": -0.6},
    "d": 0.5, "emergency": 1.3, "age_per_10_over_65": 0.1,
    "ethnicity": {"White": 0.0, "Asian": 0.1, "Black": 0.25, "Mixed": 0.1, "Other": 0.1, "Not stated": 0.2},
}
#: Stage unknown (log odds): intercept and emergency presentation.
STAGE_UNKNOWN = {"intercept": -2.7, "emergency": 0.6}
#: P(stage 1 | stage 1-2) and P(stage 4 | stage 3-4) (plus log odds for emergency).
STAGE_SPLIT = {"stage1_given_early": 0.55, "stage4_given_late_logit": 0.0, "stage4_emergency": 0.6}

# --- emergency admissions --------------------------------------------------------------------
ADMISSION_ANCHOR_AGES = (0, 1, 5, 15, 25, 45, 65, 75, 85, 95, 105)
#: Emergency admissions per 100,000 person-years, reference group (Healthy, quintile 5).
ADMISSION_RATES = (22000, 9000, 4000, 4500, 5000, 5000, 7000, 11000, 20000, 28000, 30000)
ADMISSION_EFFECTS = {
    "d": 0.35,
    "latent_group": {"Healthy": 0.0, "Cardiometabolic": 0.5, "Frail cardiovascular": 1.3, "Respiratory": 0.8, "Mental health": 0.5},
}
#: Cause of an admission (multinomial logits vs Other): intercept, per 10 years over 60,
#: person on a CVD register, person diagnosed with cancer by that year.
ADMISSION_CAUSE = {
    "CVD": {"intercept": -2.9, "age_per_10_over_60": 0.3, "cvd_register": 1.2, "cancer": 0.0},
    "Cancer": {"intercept": -3.6, "age_per_10_over_60": 0.2, "cvd_register": 0.0, "cancer": 3.0},
}

# fmt: on


# --- recording: postcodes, learning disability, autism, inclusion health --------------------
#: These columns are drawn last, from a random stream of their own (seeded with the dataset's
#: seed and this number), so adding them changed no existing column (analysis.data.recording).
RECORDING_STREAM = 17
#: Flags drawn as logit P(flag) = intercept + log_or * outcome, where outcome is a death in the
#: period (from CVD, or from any cause). Odds ratios are symmetric, so exp(log_or) is also the
#: odds ratio of that death between people with and without the flag: the planted gap.
RECORDING_FLAGS: dict[str, dict[str, Any]] = {
    "learning_disability": {"intercept": -5.3, "outcome": "cvd_death", "log_or": 1.1},
    "autism": {"intercept": -4.6, "outcome": "cvd_death", "log_or": 0.0},
    "homeless": {"intercept": -5.6, "outcome": "death", "log_or": 1.4},
}
#: Postcodes: people experiencing homelessness recorded with the no-fixed-abode code ZZ99 3VZ;
#: everyone's postcode missing, or mistyped so that it matches no postcode in the lookup.
POSTCODE_RECORDING = {"homeless_zz99": 0.6, "missing": 0.004, "unmatched": 0.008}
#: Synthetic postcodes per small area in the postcode lookup.
POSTCODES_PER_AREA = 12


def planted_truth() -> dict[str, Any]:
    """Return the planted effects as a machine-readable record (written to ``data/truth.json``).

    ``effects`` is a list of rows with ``model``, ``outcome``, ``term``, ``value`` and
    ``scale``; ``condition_probabilities`` gives the latent groups' profiles.
    """
    rows: list[dict[str, Any]] = []

    def add(model: str, outcome: str, term: str, value: float, scale: str) -> None:
        rows.append(
            {
                "model": model,
                "outcome": outcome,
                "term": term,
                "value": float(value),
                "scale": scale,
            }
        )

    for cause, eff in MORTALITY_EFFECTS.items():
        add("mortality", cause, "d", eff["d"], "log rate ratio")
        for eth, v in eff["ethnicity"].items():
            add("mortality", cause, f"ethnicity[{eth}]", v, "log rate ratio")
        for eth, v in eff["d_x_ethnicity"].items():
            add("mortality", cause, f"d:ethnicity[{eth}]", v, "log rate ratio")
    for site, eff in CANCER_INCIDENCE_EFFECTS.items():
        add("cancer_incidence", site, "d", eff["d"], "log rate ratio")
        for eth, v in eff["ethnicity"].items():
            add("cancer_incidence", site, f"ethnicity[{eth}]", v, "log rate ratio")
        add("cancer_incidence", site, "smoking[Current]", eff["current_smoker"], "log rate ratio")
        add("cancer_incidence", site, "smoking[Former]", eff["former_smoker"], "log rate ratio")
    for name, spec, scale in (
        ("emergency_presentation", EMERGENCY_PRESENTATION, "log odds ratio"),
        ("late_stage", LATE_STAGE, "log odds ratio"),
    ):
        add(name, name, "d", spec["d"], scale)
        for eth, v in spec["ethnicity"].items():
            if eth != "White":
                add(name, name, f"ethnicity[{eth}]", v, scale)
        for site, v in spec["site"].items():
            add(name, name, f"site[{site}]", v, scale)
    add(
        "late_stage",
        "late_stage",
        "emergency_presentation",
        LATE_STAGE["emergency"],
        "log odds ratio",
    )
    for i, cond in enumerate(CONDITIONS):
        for term, values in CONDITION_EFFECTS.items():
            label = term if term in ("d", "male", "age_per_10_over_60") else f"ethnicity[{term}]"
            if term != "Not stated":
                add("condition_prevalence_given_group", cond, label, values[i], "log odds ratio")
    det = HYPERTENSION_DETECTION
    for term in ("d", "age_per_10_over_60", "other_register"):
        add("hypertension_detection", "hypertension_recorded", term, det[term], "log odds ratio")
    for eth, v in det["ethnicity"].items():
        if eth != "White":
            add(
                "hypertension_detection",
                "hypertension_recorded",
                f"ethnicity[{eth}]",
                v,
                "log odds ratio",
            )
    for eth, v in det["d_x_ethnicity"].items():
        add(
            "hypertension_detection",
            "hypertension_recorded",
            f"d:ethnicity[{eth}]",
            v,
            "log odds ratio",
        )
    for group, spec in LATENT_GROUP_LOGITS.items():
        for term, v in spec.items():
            add("latent_group_membership", group, term, v, "multinomial log odds vs Healthy")
    add("admissions", "emergency_admissions", "d", ADMISSION_EFFECTS["d"], "log rate ratio")
    for group, v in ADMISSION_EFFECTS["latent_group"].items():
        if group != "Healthy":
            add("admissions", "emergency_admissions", f"latent_group[{group}]", v, "log rate ratio")
    for flag, spec in RECORDING_FLAGS.items():
        add("recording_flags", flag, spec["outcome"], spec["log_or"], "log odds ratio")
    return {
        "description": (
            "Planted effects of the synthetic integrated care system. d = (5 - imd_quintile) / 4 "
            "(0 = least deprived quintile, 1 = most deprived); reference ethnicity White; "
            "terms are on the stated scale and conditional on the other terms of the same model."
        ),
        "generator_version": GENERATOR_VERSION,
        "default_seed": DEFAULT_SEED,
        "years": list(YEARS),
        "deprivation_term": "d = (5 - imd_quintile) / 4",
        "effects": rows,
        "latent_groups": list(LATENT_GROUPS),
        "condition_probabilities": {
            group: dict(zip(CONDITIONS, probs, strict=True))
            for group, probs in GROUP_CONDITION_PROBABILITIES.items()
        },
        "postcode_recording": dict(POSTCODE_RECORDING),
    }
