"""`distil evaluate` suggests fewer of the teacher's negatives where the teacher found few of the
held-out entities and the student trained on all of its unlabelled spans."""

from __future__ import annotations

from student.teacher_negatives import LOW_RECALL, fewer_negatives_advice

TAUGHT = {"teacher": 480, "human": 60}


def test_a_teacher_that_misses_most_entities_gets_the_advice_with_its_numbers():
    advice = fewer_negatives_advice(0.176, {"teacher_negatives": 1.0}, TAUGHT)
    assert advice.startswith("The teacher found 18% of the held-out entities, so its 480 training documents")
    assert "`teacher_negatives = 0.5`" in advice and "`teacher_floor`" in advice  # NCBI 600: both beat it


def test_no_advice_where_it_would_not_help_or_is_taken_already():
    assert fewer_negatives_advice(LOW_RECALL, {"teacher_negatives": 1.0}, TAUGHT) is None  # finds enough
    assert fewer_negatives_advice(0.176, {"teacher_negatives": 0.5}, TAUGHT) is None
    no_teacher = {"human": 540}
    assert fewer_negatives_advice(0.176, {"teacher_negatives": 1.0}, no_teacher) is None
    assert fewer_negatives_advice(None, {"teacher_negatives": 1.0}, TAUGHT) is None  # held out not annotated
