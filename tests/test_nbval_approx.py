"""The tolerance rule for notebook cells tagged `nbval-approx`: small float noise passes, real regressions fail."""
from nbformat import NotebookNode

from tests.nbval_approx import TOLERANCE, align_numbers, align_outputs


def test_numbers_within_the_tolerance_take_the_stored_value():
    stored = '<tr data-label="긍정" data-probability="0.8960"><td>0.8960</td></tr> best-epoch1-0.1709.ckpt'
    fresh = '<tr data-label="긍정" data-probability="0.8953"><td>0.8953</td></tr> best-epoch1-0.1712.ckpt'
    aligned, replaced = align_numbers(stored, fresh)
    assert aligned == stored
    assert replaced == [("0.8960", "0.8953"), ("0.8960", "0.8953"), ("0.1709", "0.1712")]


def test_a_wrong_label_is_not_hidden():
    stored = '<tr data-label="긍정" data-probability="0.8960">'
    fresh = '<tr data-label="부정" data-probability="0.8953">'
    aligned, replaced = align_numbers(stored, fresh)
    assert aligned == fresh and replaced == []


def test_an_accuracy_off_by_more_than_a_point_is_not_hidden():
    off = round(0.951 - TOLERANCE - 0.002, 3)
    aligned, replaced = align_numbers("테스트 정확도 0.951", f"테스트 정확도 {off:.3f}")
    assert aligned == f"테스트 정확도 {off:.3f}" and replaced == []
    assert align_numbers("정확도 0.951", "정확도 0.945")[0] == "정확도 0.951"   # 0.6 points: within


def test_integers_exponents_and_formats_stay_exact():
    assert align_numbers("스텝 376", "스텝 375") == ("스텝 375", [])                  # integers: exact
    assert align_numbers("lr 2.432e-04", "lr 2.433e-04") == ("lr 2.433e-04", [])  # exponents: exact
    assert align_numbers("loss 0.17", "loss 0.171") == ("loss 0.171", [])          # another format: a change
    assert align_numbers("-0.0743 x", "-0.0745 x") == ("-0.0743 x", [("-0.0743", "-0.0745")])


def test_outputs_are_aligned_field_by_field_and_left_alone_when_shapes_differ():
    stored = [NotebookNode(output_type="stream", name="stdout", text="정확도 0.951\n"),
              NotebookNode(output_type="display_data", data={"text/html": "<td>0.8960</td>", "image/png": "AAA"})]
    fresh = [NotebookNode(output_type="stream", name="stdout", text="정확도 0.949\n"),
             NotebookNode(output_type="display_data", data={"text/html": "<td>0.8953</td>", "image/png": "BBB"})]
    aligned, replaced = align_outputs(fresh, stored)
    assert aligned[0]["text"] == "정확도 0.951\n" and aligned[1]["data"]["text/html"] == "<td>0.8960</td>"
    assert aligned[1]["data"]["image/png"] == "BBB"          # not text: nbval's own rules apply
    assert fresh[0]["text"] == "정확도 0.949\n"             # the fresh outputs themselves are not modified
    assert len(replaced) == 2
    assert align_outputs(fresh[:1], stored) == (fresh[:1], [])
