"""A seeded generator of realistic chat fine-tuning files for the speed benches.

About 2 KB and ~290 tokens per example, like the file issue 14 was measured on: en/nl/fr,
multi-turn, a handful of long system prompts and tool schemas that repeat across the
file (as in a real dataset), some tool calls with their results. The same seed and size
give the same bytes, so files are cached between runs (never committed).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

WORDS = {
    "en": ("order parcel return refund size delivery voucher invoice please thanks when where why how my "
           "your the a was is will can could shipping address account password store opening hours colour "
           "jacket trousers shoes week yesterday tomorrow customer service help").split(),
    "nl": ("bestelling pakket retour terugbetaling maat levering tegoedbon factuur alsjeblieft bedankt wanneer "
           "waar waarom hoe mijn jouw de het een was is zal kan verzending adres account wachtwoord winkel "
           "openingstijden kleur jas broek schoenen week gisteren morgen klantenservice hulp").split(),
    "fr": ("commande colis retour remboursement taille livraison bon facture merci quand où pourquoi comment "
           "mon votre le la un était est sera peut expédition adresse compte mot de passe magasin horaires "
           "couleur veste pantalon chaussures semaine hier demain service client aide").split(),
}

SYSTEM_PROMPTS = [
    "You are Aurora Assist, the customer service assistant of Aurora Commerce. " * 6
    + "Answer in the customer's language, be brief, never invent order numbers, and hand over to a human "
      "when the customer asks for one or is upset. Refunds take 5 to 10 working days.",
    "Je bent Aurora Assist, de klantenservice-assistent van Aurora Commerce. " * 6
    + "Antwoord in de taal van de klant, wees kort en verzin nooit bestelnummers.",
    "Vous êtes Aurora Assist, l'assistant du service client d'Aurora Commerce. " * 6
    + "Répondez dans la langue du client, soyez bref et n'inventez jamais de numéro de commande.",
    "You are a careful support agent for a Dutch web shop. Use the tools to look up orders. " * 5,
]

TOOLS = [
    {"type": "function", "function": {
        "name": "lookup_order", "description": "Look up an order by its number and return its status.",
        "parameters": {"type": "object", "properties": {
            "order_number": {"type": "string", "description": "The order number, e.g. AC-12345."},
            "include_items": {"type": "boolean", "description": "Also return the ordered items."}},
            "required": ["order_number"]}}},
    {"type": "function", "function": {
        "name": "start_return", "description": "Start a return for one item of an order.",
        "parameters": {"type": "object", "properties": {
            "order_number": {"type": "string", "description": "The order number."},
            "reason": {"type": "string", "enum": ["size", "damaged", "changed_mind", "other"],
                       "description": "Why the customer returns the item."}},
            "required": ["order_number", "reason"]}}},
]


def sentence(rng: random.Random, lang: str, n: int) -> str:
    words = WORDS[lang]
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


def paragraph(rng: random.Random, lang: str, sentences: int) -> str:
    return " ".join(sentence(rng, lang, rng.randint(6, 18)) for _ in range(sentences))


def record(rng: random.Random, i: int) -> dict:
    lang = rng.choice(("en", "en", "nl", "fr"))
    messages = [{"role": "system", "content": rng.choice(SYSTEM_PROMPTS)}]
    use_tools = rng.random() < 0.3
    for turn in range(rng.randint(1, 3)):
        messages.append({"role": "user", "content": f"#{i}.{turn} " + paragraph(rng, lang, rng.randint(1, 4))})
        if use_tools and turn == 0:
            call_id = f"call_{i}_{turn}"
            messages.append({"role": "assistant", "tool_calls": [{
                "id": call_id, "type": "function", "function": {
                    "name": "lookup_order", "arguments": json.dumps({"order_number": f"AC-{rng.randint(10000, 99999)}"})}}]})
            messages.append({"role": "tool", "tool_call_id": call_id,
                             "content": json.dumps({"status": rng.choice(["shipped", "delivered", "pending"])})})
        messages.append({"role": "assistant", "content": paragraph(rng, lang, rng.randint(2, 6))})
    out: dict = {"messages": messages}
    if use_tools:
        out["tools"] = TOOLS
    return out


def make_file(path: Path, n: int, seed: int = 14) -> Path:
    """Write n examples to path (atomically; reused when it already exists)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(json.dumps(record(rng, i), ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return path
