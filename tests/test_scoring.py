"""Scoring: each hard rule respected and broken, and the soft components behave as promised."""
import numpy as np
import pytest

from matcher.schema import load_scenario
from matcher.scoring import score_pairs


def scored(data, **kwargs):
    return score_pairs(load_scenario(data), **kwargs)


def at(scores, mentee, mentor, matrix):
    i = [m.id for m in scores.mentees].index(mentee)
    j = [m.id for m in scores.mentors].index(mentor)
    return matrix[i, j]


def components(scores):
    return scores.component_rows(np.arange(len(scores.mentees)))


def hard(scores):
    return scores.hard_rows(np.arange(len(scores.mentees)))


def test_need_covered_by_a_deep_enough_level(example):
    assert at(scored(example), "y-01", "m-01", hard(scored(example))["needs"])


def test_need_not_covered_by_a_lower_level(example):
    example["mentees"][0]["needs"] = {"adhd": 3}
    scores = scored(example)
    assert not at(scores, "y-01", "m-02", hard(scores)["needs"])
    assert at(scores, "y-01", "m-01", hard(scores)["needs"])
    assert not at(scores, "y-01", "m-02", scores.feasible) and at(scores, "y-01", "m-02", scores.total) == 0


def test_need_for_a_competence_the_mentor_lacks_is_not_covered(example):
    example["mentees"][0]["needs"] = {"adhd": 1, "substance": 1}
    scores = scored(example)
    assert not hard(scores)["needs"][0].any()


def test_allowed_kind_respected_and_broken(example):
    example["mentees"][0]["kinds"] = ["professional"]
    scores = scored(example)
    assert at(scores, "y-01", "m-02", hard(scores)["kind"])
    assert not at(scores, "y-01", "m-01", hard(scores)["kind"])
    assert at(scores, "y-02", "m-01", hard(scores)["kind"])  # no kinds given: any kind


def test_excluded_mentor_respected_and_broken(example):
    example["mentees"][0]["excluded_mentors"] = ["m-02"]
    scores = scored(example)
    assert not at(scores, "y-01", "m-02", hard(scores)["excluded"])
    assert at(scores, "y-01", "m-01", hard(scores)["excluded"])


def test_breakdown_makes_the_pair_infeasible_forever(example):
    example["feedback"] += [{"mentor": "m-02", "mentee": "y-02", "rating": 5}, {"mentor": "m-02", "mentee": "y-02", "breakdown": True}]
    scores = scored(example)
    assert not at(scores, "y-02", "m-02", hard(scores)["breakdown"])
    assert at(scores, "y-02", "m-01", hard(scores)["breakdown"])


def test_common_time_needs_room_for_a_whole_session(example):
    example["mentees"][1]["availability"] = [{"day": "wed", "start": "18:30", "end": "20:00"}]
    scores = scored(example)
    assert not at(scores, "y-02", "m-02", hard(scores)["common time"])  # 30 min overlap, 60 min session
    example["mentees"][1]["availability"] = [{"day": "wed", "start": "18:00", "end": "20:00"}]
    scores = scored(example)
    assert at(scores, "y-02", "m-02", hard(scores)["common time"])      # exactly 60 min overlap


def test_common_time_needs_an_aligned_start(example):
    example["programme"]["slot_minutes"] = 60
    example["mentees"][1]["availability"] = [{"day": "wed", "start": "15:30", "end": "16:45"}]
    scores = scored(example)
    assert not at(scores, "y-02", "m-02", hard(scores)["common time"])


def test_deeper_competence_scores_higher(example):
    example["mentors"][1]["competences"]["adhd"] = 3
    deep = at(scored(example), "y-01", "m-02", components(scored(example))["competence"])
    example["mentors"][1]["competences"]["adhd"] = 2
    bare = at(scored(example), "y-01", "m-02", components(scored(example))["competence"])
    assert deep == pytest.approx(1.0) and bare < deep


def test_wishes_add_to_competence(example):
    example["mentees"][0]["wishes"] = {"family": 2}
    scores = scored(example)
    assert at(scores, "y-01", "m-01", components(scores)["competence"]) > at(scores, "y-01", "m-02", components(scores)["competence"])


def test_a_shared_rare_interest_weighs_more_than_a_shared_common_one(example):
    for person in example["mentors"] + example["mentees"]:
        person["interests"] = ["football"]
    example["mentees"][1]["interests"] = ["football", "origami"]
    example["mentors"][0]["interests"] = ["football"]
    example["mentors"][1]["interests"] = ["origami"]
    scores = scored(example)
    rare = at(scores, "y-02", "m-02", components(scores)["interests"])
    common = at(scores, "y-02", "m-01", components(scores)["interests"])
    assert rare > 0.5 > common > 0


def test_no_shared_interest_scores_zero(example):
    scores = scored(example)
    assert at(scores, "y-01", "m-02", components(scores)["interests"]) == 0


def test_a_pairs_own_good_ratings_lift_its_chemistry(example):
    example["feedback"] = [{"mentor": "m-01", "mentee": "y-02", "rating": 5}] * 3 + [
        {"mentor": "m-02", "mentee": "y-02", "rating": 2}] * 3
    scores = scored(example)
    assert at(scores, "y-02", "m-01", components(scores)["chemistry"]) > 0.8
    assert at(scores, "y-02", "m-02", components(scores)["chemistry"]) < 0.4


def test_few_ratings_are_shrunk_toward_the_programme_mean(example):
    example["mentees"].append({**example["mentees"][1], "id": "y-03"})
    few = [{"mentor": "m-01", "mentee": "y-03", "rating": 5}]
    many = few * 8
    base = [{"mentor": "m-02", "mentee": "y-03", "rating": 3}] * 4
    example["feedback"] = base + few
    one = at(scored(example), "y-01", "m-01", components(scored(example))["chemistry"])
    example["feedback"] = base + many
    eight = at(scored(example), "y-01", "m-01", components(scored(example))["chemistry"])
    assert 0.5 < one < eight <= 1.0


def test_similar_mentees_ratings_count_more_than_dissimilar_ones(example):
    example["mentees"] += [
        {**example["mentees"][0], "id": "y-03", "interests": ["football"], "needs": {"adhd": 2}},
        {**example["mentees"][1], "id": "y-04", "interests": ["knitting"], "needs": {"school": 3}},
    ]
    example["feedback"] = [{"mentor": "m-01", "mentee": "y-03", "rating": 5},
                           {"mentor": "m-01", "mentee": "y-04", "rating": 1}]
    scores = scored(example)
    like_y03 = at(scores, "y-01", "m-01", components(scores)["chemistry"])
    like_y04 = at(scores, "y-02", "m-01", components(scores)["chemistry"])
    assert like_y03 > like_y04


def test_flexible_only_common_time_counts_less(example):
    example["mentees"][0]["availability"] = [{"day": "sat", "start": "10:00", "end": "13:00"}]
    flexible = scored(example)
    assert at(flexible, "y-01", "m-01", flexible.feasible)
    assert at(flexible, "y-01", "m-01", components(flexible)["availability"]) <= 0.5
    example["mentees"][0]["availability"] = [{"day": "tue", "start": "16:00", "end": "19:00"}]
    firm = scored(example)
    assert at(firm, "y-01", "m-01", components(firm)["availability"]) > 0.5


def test_two_sessions_a_week_apart_need_two_days(example):
    example["mentees"][1]["sessions"] = {"per_week": 2, "minutes": 60, "min_days_apart": 1}
    example["mentees"][1]["availability"] = [{"day": "wed", "start": "15:00", "end": "19:00"}]
    one_day = scored(example)
    example["mentees"][1]["availability"].append({"day": "thu", "start": "15:00", "end": "19:00"})
    two_days = scored(example)
    assert at(one_day, "y-02", "m-02", components(one_day)["availability"]) < \
        at(two_days, "y-02", "m-02", components(two_days)["availability"])


def test_weights_are_normalised_and_overridable(example):
    scores = scored(example, weights={"interests": 0, "chemistry": 0, "availability": 0})
    assert scores.weights["competence"] == 1.0
    np.testing.assert_allclose(scores.total, np.where(scores.feasible, components(scores)["competence"], 0), rtol=1e-6)
    with pytest.raises(ValueError, match="weights"):
        scored(example, weights=dict.fromkeys(["competence", "interests", "chemistry", "availability"], 0))


def test_every_score_lies_in_the_unit_interval(example):
    scores = scored(example)
    for matrix in [scores.total, *components(scores).values()]:
        assert matrix.shape == (2, 2) and (matrix >= 0).all() and (matrix <= 1 + 1e-6).all()


def test_back_to_back_windows_count_their_whole_time(example):
    example["mentees"][1]["availability"] = [{"day": "wed", "start": "15:00", "end": "16:30"},
                                             {"day": "wed", "start": "16:30", "end": "19:00"}]
    split = scored(example)
    example["mentees"][1]["availability"] = [{"day": "wed", "start": "15:00", "end": "19:00"}]
    whole = scored(example)
    assert at(split, "y-02", "m-02", components(split)["availability"]) == pytest.approx(
        at(whole, "y-02", "m-02", components(whole)["availability"]))


def test_weekly_spacing_respected_by_days_far_enough_apart(example):
    example["mentees"][1]["sessions"] = {"per_week": 2, "minutes": 60, "min_days_apart": 1}
    example["mentees"][1]["availability"] = [{"day": "wed", "start": "15:00", "end": "19:00"},
                                             {"day": "thu", "start": "15:00", "end": "19:00"}]
    scores = scored(example)
    assert at(scores, "y-02", "m-02", hard(scores)["spacing"]) and at(scores, "y-02", "m-02", scores.feasible)


def test_weekly_spacing_broken_by_adjacent_days(example):
    example["mentees"][1]["sessions"] = {"per_week": 2, "minutes": 60, "min_days_apart": 2}
    example["mentees"][1]["availability"] = [{"day": "wed", "start": "15:00", "end": "19:00"},
                                             {"day": "thu", "start": "15:00", "end": "19:00"}]
    scores = scored(example)
    assert not at(scores, "y-02", "m-02", hard(scores)["spacing"])
    assert at(scores, "y-02", "m-02", hard(scores)["common time"])
    assert not at(scores, "y-02", "m-02", scores.feasible)
