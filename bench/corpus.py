"""A deterministic synthetic news archive: the same seed and size always give the same files.

Articles are French (80 %) or English, 500-1,200 words, with headings, lists, quotes and links; topics
follow a Zipf law over ~60 terms (Starlink, Russia and Twitter among the most frequent); ~300 people
with accented names; a few sources; dates spread over 20 years.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

TOPICS = [
    "Starlink", "Russie", "Twitter", "Ukraine", "États-Unis", "Chine", "Taïwan", "Désinformation", "Énergie",
    "Climat", "Élections", "Europe", "OTAN", "Intelligence artificielle", "Cybersécurité", "Espace", "SpaceX",
    "Tesla", "Économie", "Inflation", "Banques centrales", "Santé", "Éducation", "Justice", "Migrations",
    "Agriculture", "Transports", "Logement", "Télécoms", "Médias", "Réseaux sociaux", "Vie privée", "Défense",
    "Diplomatie", "Afrique", "Moyen-Orient", "Inde", "Brésil", "Japon", "Royaume-Uni", "Allemagne", "Italie",
    "Espagne", "Pologne", "Nucléaire", "Pétrole", "Gaz", "Semi-conducteurs", "Automobile", "Aéronautique",
    "Sport", "Culture", "Cinéma", "Musique", "Littérature", "Sciences", "Océans", "Biodiversité", "Pandémie",
    "Syndicats",
]
FIRST = ["Élodie", "François", "Hélène", "Jérôme", "Anaïs", "Loïc", "Zoé", "Ségolène", "Raphaël", "Noémie",
         "Maël", "Agnès", "Benoît", "Cécile", "Dorothée", "Émile", "Gaëlle", "Inès", "Joël", "Léa"]
LAST = ["Dubois", "Lefèvre", "Müller", "Ngô", "Ørsted", "García", "Nowak", "Øberg", "Petrović", "Çelik",
        "Moreau", "Fontaine", "Bérard", "Leclercq", "Gauthier"]
SOURCES = ["Wall Street Journal", "Le Monde", "Reuters", "Agence France-Presse", "The Guardian", "Der Spiegel",
           "El País", "Financial Times", "Associated Press", "Libération"]
WORDS_FR = ("le la les un une des réseau satellite gouvernement ministre accord sommet sécurité marché "
            "entreprise milliardaire enquête rapport données service plateforme conflit frontière armée "
            "négociation sanction économie croissance élection campagne influence opinion public industrie "
            "énergie prix hausse baisse décision tribunal loi réforme budget dette région capitale pays "
            "développement innovation recherche université étude analyse responsable porte-parole").split()
WORDS_EN = ("the a network satellite government minister agreement summit security market company "
            "billionaire investigation report data service platform conflict border army negotiation "
            "sanction economy growth election campaign influence opinion public industry energy price "
            "rise fall decision court law reform budget debt region capital country development").split()
VERBS_FR = "affirme annonce dénonce confirme révèle estime souligne rappelle prévoit examine".split()
VERBS_EN = "says announces denounces confirms reveals estimates stresses recalls plans examines".split()


def people() -> list[str]:
    return [f"{first} {last}" for last in LAST for first in FIRST][:300]


def _zipf_choice(rng: random.Random, items: list[str], count: int) -> list[str]:
    weights = [1 / (rank + 1) for rank in range(len(items))]
    chosen: list[str] = []
    while len(chosen) < count:
        item = rng.choices(items, weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


def _sentence(rng: random.Random, english: bool, names: list[str]) -> str:
    words, verbs = (WORDS_EN, VERBS_EN) if english else (WORDS_FR, VERBS_FR)
    subject = rng.choice(names) if rng.random() < 0.3 else " ".join(rng.choices(words, k=2))
    rest = " ".join(rng.choices(words, k=rng.randint(6, 14)))
    return f"{subject[0].upper()}{subject[1:]} {rng.choice(verbs)} {rest}."


def _body(rng: random.Random, english: bool, names: list[str], topics: list[str]) -> str:
    target = rng.randint(500, 1200)
    blocks: list[str] = []
    words = 0
    while words < target:
        roll = rng.random()
        if roll < 0.12:
            block = "## " + " ".join(rng.choices(WORDS_EN if english else WORDS_FR, k=4)).capitalize()
        elif roll < 0.2:
            block = "\n".join("- " + _sentence(rng, english, names) for _ in range(rng.randint(3, 5)))
        elif roll < 0.25:
            block = "> « " + _sentence(rng, english, names) + " »"
        else:
            sentences = [_sentence(rng, english, names) for _ in range(rng.randint(3, 6))]
            if rng.random() < 0.3:
                topic = rng.choice(topics)
                sentences.append(f"Voir aussi [{topic}](https://example.org/{rng.randint(1, 9999)}).")
            block = " ".join(sentences)
        blocks.append(block)
        words += len(block.split())
    return "\n\n".join(blocks)


def generate(directory: Path, count: int, seed: int = 42) -> Path:
    """Write a complete site (site.toml + content/) with `count` articles into `directory`."""
    rng = random.Random(seed)
    everyone = people()
    articles = directory / "content" / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    start = datetime(2006, 1, 1, 6, 0)
    span = (datetime(2025, 12, 31, 20, 0) - start).total_seconds()
    for number in range(count):
        english = rng.random() < 0.2
        topics = _zipf_choice(rng, TOPICS, rng.randint(1, 4))
        names = _zipf_choice(rng, everyone, rng.randint(1, 3))
        sources = rng.sample(SOURCES, rng.randint(0, 2))
        date = start + timedelta(seconds=int(span * (number + rng.random()) / count))
        title = f"{topics[0]} : " + _sentence(rng, english, names)[:-1][:90]
        front = [
            "---",
            f"title: {json.dumps(title, ensure_ascii=False)}",  # JSON strings are valid YAML
            f"date: {date.isoformat()}",
            f"lang: {'en' if english else 'fr'}",
            f"topics: [{', '.join(topics)}]",
            f"people: [{', '.join(names)}]",
            f"sources: [{', '.join(sources)}]",
            f"slug: article-{number:06d}",
            "---",
        ]
        folder = articles / f"{date.year}"
        folder.mkdir(exist_ok=True)
        (folder / f"article-{number:06d}.md").write_text(
            "\n".join(front) + "\n\n" + _body(rng, english, names, topics) + "\n", encoding="utf-8")
    (directory / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    return directory


SITE_TOML = """\
title = "Archive synthétique"
base_url = "https://bench.example.org/"
language = "fr"
timezone = "Europe/Paris"
paginate_by = 20

[feeds]
limit = 20

[[taxonomies]]
name = "topics"
title = "Thèmes"
singular = "Thème"
paginate_by = 20

[[taxonomies]]
name = "people"
title = "Personnes"
singular = "Personne"
filter = "person"
paginate_by = 20

[[taxonomies]]
name = "sources"
title = "Sources"
singular = "Source"
paginate_by = 20
feed = false
"""
