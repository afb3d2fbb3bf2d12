"""The game tree at slide size (negsim.viz.figures.game_tree_figure): fonts, words, no overlaps."""

from __future__ import annotations

import itertools

import pytest

from negsim import load_scenario
from negsim.model.crisis import crisis_game, load_crisis_spec
from negsim.viz.figures import SLIDE, game_tree_figure


@pytest.fixture(scope="module")
def tree():
    game = crisis_game(load_scenario("istanbul_round3"), load_crisis_spec())
    fig = game_tree_figure(game)
    fig.canvas.draw()
    return game, fig


def test_the_tree_fits_a_slide_with_fonts_a_room_can_read(tree):
    game, fig = tree
    width, height = fig.get_size_inches()
    assert width <= SLIDE[0] and height <= SLIDE[1]
    (ax,) = fig.axes
    sizes = [t.get_fontsize() for t in ax.texts] + [t.get_fontsize() for t in fig.legends[0].get_texts()]
    assert min(sizes) >= 7.0
    assert " ".join(fig.get_suptitle().split()) == game.title
    assert fig.get_suptitle().count("\n") == 1  # wrapped to the slide's width


def test_the_tree_speaks_words_and_tags_information_sets(tree):
    game, fig = tree
    (ax,) = fig.axes
    texts = [t.get_text() for t in ax.texts]
    assert "back down" in texts and "PAK resolved\np = 0.5" in texts
    assert not [t for t in texts if "_" in t]
    shared = [info for p in (0, 1) for info in game.infosets[p] if len(info.nodes) > 1]
    tags = [t for t in texts if t.startswith(("PAK ", "AFG ")) and t[4:].isdigit()]
    assert len(tags) == sum(len(info.nodes) for info in shared) and tags.count("AFG 1") == 2
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "PAK (Pakistan) decides", "AFG (Kabul) decides", "chance",
        "same tag: nodes the player cannot tell apart (information set)", "leaves: PAK's payoff above AFG's"]


def test_no_two_labels_of_the_tree_overlap(tree):
    _, fig = tree
    (ax,) = fig.axes
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text().strip()]
    clashes = [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2) if box_a.overlaps(box_b)]
    assert clashes == []
