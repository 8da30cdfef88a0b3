"""A synthetic corpus of DeepSeek-debate articles of any size, from varied templates, deterministic per seed.

Usage: .venv/bin/python bench/corpus.py --docs 1000 --seed 7 --out /tmp/corpus
Each article mixes claim sentences (figures with units, qualifiers, speakers, hedges, conditionals) drawn
from a dozen shapes with prose sentences sampled from the seed articles (those without figures), in the
proportions of the seeds (roughly one figure per 90 words).
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Iterator
from pathlib import Path

SUBJECTS = ["DeepSeek", "DeepSeek-V3", "DeepSeek-R1", "OpenAI", "Meta", "Anthropic", "Alibaba", "Mistral",
            "Moonshot AI", "xAI", "Google", "Microsoft", "NVIDIA", "ByteDance", "Cohere", "Huawei"]
MODELS = [
    "DeepSeek-V3", "DeepSeek-R1", "GPT-4", "GPT-4o", "Claude 3.5 Sonnet", "Llama 3 405B", "Gemini Ultra",
    "o1",
]
PEOPLE = [
    "Alexandr Wang", "Elon Musk", "Dario Amodei", "Dylan Patel", "Satya Nadella", "Sam Altman",
    "Liang Wenfeng", "Ben Thompson", "Nathan Lambert", "Mara Okafor", "Tomas Lindqvist", "Priya Raman",
    "Chen Yu", "Ada Moreau", "Jonas Weber", "Lena Ortiz",
]
OUTLETS = ["SemiAnalysis", "The Information", "Epoch AI", "Reuters", "Bloomberg", "the Financial Times"]
GPUS = ["H800", "H100", "A100", "H20", "Hopper", "Blackwell"]
VERBS = ["said", "says", "estimated", "told reporters", "wrote", "claims", "argued", "noted"]
# Share of sentences holding a figure: gives about one figure per 90 words, like the seed articles.
CLAIM_SHARE = 0.2
QUALIFIERS = ["", "", "", "about ", "roughly ", "nearly ", "more than ", "up to ", "closer to ", "over "]
HEDGES = ["", "", "", "reportedly ", "allegedly "]

FILLER = [
    "The debate over what this means for the industry is far from settled.",
    "Investors spent the week trying to work out who wins and who loses.",
    "Engineers who read the technical report came away impressed by its candour.",
    "Not everyone agrees on how to read these numbers, and the details matter.",
    "The history of computing is full of moments when efficiency changed the market.",
    "Critics point out that open weights are not the same thing as open data.",
    "The model's reasoning traces are long, and users can watch it think.",
    "Some of the most interesting work happened in the unglamorous parts of the stack.",
    "What follows is an attempt to separate what is known from what is assumed.",
    "Policy makers in Washington were quick to weigh in on the implications.",
    "Most of the coverage focused on the headline figure rather than the method.",
    "Smaller labs will now try to copy the recipe with far less money.",
]


class _Figures:
    """The debate repeats a few figures per subject and metric: each (subject, kind) has three rival
    values, and every mention picks one of them, so documents corroborate and contradict like real ones."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.table: dict[tuple[str, str], list[float]] = {}

    def pick(self, key: tuple[str, str], low: float, high: float) -> float:
        if key not in self.table:
            self.table[key] = [self.rng.uniform(low, high) for _ in range(3)]
        return self.rng.choice(self.table[key])


def _money(
    rng: random.Random,
    low: float,
    high: float,
    figures: _Figures | None = None,
    key: tuple[str, str] = ("", ""),
) -> str:
    value = figures.pick(key, low, high) if figures else rng.uniform(low, high)
    if value >= 1e9:
        return f"${value / 1e9:.1f}B" if rng.random() < 0.5 else f"${value / 1e9:.1f} billion"
    return f"${value / 1e6:.1f}M" if rng.random() < 0.5 else f"${value / 1e6:.1f} million"


def prose_sentences() -> list[str]:
    """Sentences of the seed articles with no figure in them: real vocabulary for the filler prose, so that
    tokenizer caches and regular expressions see text as varied as real articles."""
    folder = Path(__file__).resolve().parent.parent / "seeds"
    out = []
    for path in sorted(folder.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for sentence in re.split(r"(?<=[.!?])\s+", line.strip()):
                if 40 <= len(sentence) <= 400 and not re.search(r"[\d#\[\]()|*`>]|http", sentence):
                    out.append(sentence)
    return out or FILLER


def claim_sentence(rng: random.Random, figures: _Figures) -> str:
    """One sentence holding a figure, drawn from a dozen shapes."""
    subject, model, person, outlet = (
        rng.choice(SUBJECTS),
        rng.choice(MODELS),
        rng.choice(PEOPLE),
        rng.choice(OUTLETS),
    )
    q, hedge, verb = rng.choice(QUALIFIERS), rng.choice(HEDGES), rng.choice(VERBS)
    gpus = f"{round(figures.pick((subject, 'gpus'), 1000, 100_000), -3):,.0f}"
    shapes = [
        lambda: f"{person} {verb} that {subject} has {q}{gpus} {rng.choice(GPUS)} GPUs.",
        lambda: (
            f"{subject} {hedge}spent {q}{_money(rng, 2e6, 9e9, figures, (model, 'spend'))} training {model}."
        ),
        lambda: (
            f"According to {outlet}, {model} cost "
            f"{q}{_money(rng, 1e6, 5e8, figures, (model, 'cost'))} to train."
        ),
        lambda: (
            f"{subject} shares fell {figures.pick((subject, 'drop'), 1, 25):.1f}% on Monday, wiping {q}"
            f"{_money(rng, 1e10, 7e11, figures, (subject, 'cap'))} off its market value."
        ),
        lambda: f"{model} charges ${figures.pick((model, 'price'), 0.1, 60):.2f} per million output tokens.",
        lambda: (
            f"{person} {verb} the model is {figures.pick((model, 'eff'), 2, 50):.0f}x more efficient than "
            f"{rng.choice(MODELS)}."
        ),
        lambda: (
            f"If costs keep falling {rng.randint(2, 10)}x a year, {subject} will need {q}"
            f"{_money(rng, 1e9, 9e10)} less."
        ),
        lambda: (
            f"{model} has {figures.pick((model, 'params'), 7, 700):.0f} billion parameters, with "
            f"{figures.pick((model, 'active'), 3, 60):.0f} billion active per token."
        ),
        lambda: (
            f"{subject} cut memory use by {figures.pick((subject, 'mem'), 10, 95):.0f}% with FP8 training, "
            f"{outlet} reported."
        ),
        lambda: (
            f"The company {hedge}plans {_money(rng, 5e9, 9e10, figures, (subject, 'capex'))} in capital "
            f"expenditures this year."
        ),
        lambda: f'"We think it is closer to {gpus} chips," said {person}.',
        lambda: (
            f"{model} was trained on {figures.pick((model, 'tokens'), 2, 20):.1f} trillion tokens over "
            f"{figures.pick((model, 'months'), 2, 9):.0f} months."
        ),
    ]
    return rng.choice(shapes)()


def article(rng: random.Random, index: int, words: int, figures: _Figures, prose: list[str]) -> str:
    """One article of about ``words`` words: a title, paragraphs of claims and filler."""
    lines = [f"Notes on the DeepSeek debate, part {index}", ""]
    count = 0
    while count < words:
        paragraph = []
        for _ in range(rng.randint(3, 6)):
            sentence = claim_sentence(rng, figures) if rng.random() < CLAIM_SHARE else rng.choice(prose)
            paragraph.append(sentence)
            count += len(sentence.split())
        lines.append(" ".join(paragraph))
        lines.append("")
    return "\n".join(lines)


def generate(docs: int, *, seed: int = 7, words: int = 900) -> Iterator[tuple[str, str]]:
    """(file name, text) for each synthetic article; the same seed always gives the same corpus."""
    rng = random.Random(seed)
    figures = _Figures(random.Random(seed + 1))
    prose = prose_sentences()
    for i in range(docs):
        yield (
            f"synthetic_{i:06d}.txt",
            article(rng, i, rng.randint(words // 2, words * 3 // 2), figures, prose),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--words", type=int, default=900, help="average words per article")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, text in generate(args.docs, seed=args.seed, words=args.words):
        (args.out / name).write_text(text, encoding="utf-8")
        total += len(text.split())
    print(f"wrote {args.docs} articles, {total} words, to {args.out}")


if __name__ == "__main__":
    main()
