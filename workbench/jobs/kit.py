"""The training kit for one's own GPU: a frozen version written for TRL, Axolotl or
Unsloth, with a config YAML (the hyperparameters) and a README with the exact launch
command. kit.json records the version's sha256 so a model trained from the kit can
enter the registry linked to the same version.
"""

from __future__ import annotations

import json
from pathlib import Path

from workbench.errors import InvalidRequest
from workbench.jobs.launch import find_version

TRAINERS = ("trl", "axolotl", "unsloth")


def _is_dpo(record: dict) -> bool:
    return "preferred_output" in record and "non_preferred_output" in record


def trl_record(record: dict) -> dict:
    """TRL's conversational formats: `messages` (+ `tools`) for SFT; `prompt`/`chosen`/
    `rejected` message lists for DPO."""
    if _is_dpo(record):
        prompt = (record.get("input") or {}).get("messages", [])
        out = {"prompt": prompt, "chosen": record["preferred_output"], "rejected": record["non_preferred_output"]}
        tools = (record.get("input") or {}).get("tools")
    else:
        out = {"messages": record["messages"]}
        tools = record.get("tools")
    if tools:
        out["tools"] = tools
    return out


def _yaml(value, indent: int = 0) -> str:
    """A tiny YAML writer for flat configs (no dependency for three files)."""
    pad = "  " * indent
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"{pad}{key}:\n{_yaml(item, indent + 1)}")
        elif isinstance(item, list):
            lines.append(f"{pad}{key}:")
            for entry in item:
                body = _yaml(entry, indent + 2).lstrip() if isinstance(entry, dict) else json.dumps(entry)
                lines.append(f"{pad}  - {body}")
        else:
            lines.append(f"{pad}{key}: {json.dumps(item)}")
    return "\n".join(lines)


def _config(trainer: str, dpo: bool, base_model: str, hp: dict, has_valid: bool) -> tuple[dict, str]:
    epochs, lr, batch = hp.get("n_epochs", 3), hp.get("learning_rate", 2e-4), hp.get("batch_size", 4)
    if trainer == "trl":
        config = {"model_name_or_path": base_model, "dataset_name": "json", "num_train_epochs": epochs,
                  "learning_rate": lr, "per_device_train_batch_size": batch, "output_dir": "out",
                  "bf16": True, "use_peft": True, "lora_r": 16, "lora_alpha": 32}
        config["dataset_train_split"] = "train"
        if dpo:
            config["beta"] = hp.get("beta", 0.1)
        command = f"trl {'dpo' if dpo else 'sft'} --config config.yaml --dataset_name json " \
                  "--data_files train.jsonl"
        return config, command
    if trainer == "axolotl":
        dataset = {"path": "train.jsonl", "ds_type": "json", "type": "chat_template", "field_messages": "messages"}
        config = {"base_model": base_model, "datasets": [dataset], "num_epochs": epochs, "learning_rate": lr,
                  "micro_batch_size": batch, "adapter": "lora", "lora_r": 16, "lora_alpha": 32,
                  "sequence_len": 4096, "output_dir": "./out"}
        if dpo:
            config["rl"] = "dpo"
            config["datasets"] = [{"path": "train.jsonl", "ds_type": "json", "type": "chat_template.default",
                                   "field_messages": "prompt", "field_chosen": "chosen",
                                   "field_rejected": "rejected"}]
        if has_valid:
            config["test_datasets"] = [dict(config["datasets"][0], path="validation.jsonl", split="train")]
        return config, "axolotl train config.yaml"
    config = {"model_name": base_model, "max_seq_length": 4096, "load_in_4bit": True, "num_train_epochs": epochs,
              "learning_rate": lr, "per_device_train_batch_size": batch, "lora_r": 16, "lora_alpha": 32,
              "method": "dpo" if dpo else "sft", "train_file": "train.jsonl"}
    return config, "python train_unsloth.py config.yaml"


UNSLOTH_SCRIPT = '''"""Unsloth fine-tune from the workbench kit: python train_unsloth.py config.yaml"""
import json, sys
from unsloth import FastLanguageModel
from datasets import load_dataset
from trl import SFTConfig, SFTTrainer, DPOConfig, DPOTrainer

cfg = {}
for line in open(sys.argv[1], encoding="utf-8"):
    if ":" in line:
        key, _, value = line.partition(":")
        cfg[key.strip()] = json.loads(value.strip())
model, tokenizer = FastLanguageModel.from_pretrained(cfg["model_name"], max_seq_length=cfg["max_seq_length"],
                                                     load_in_4bit=cfg["load_in_4bit"])
model = FastLanguageModel.get_peft_model(model, r=cfg["lora_r"], lora_alpha=cfg["lora_alpha"])
data = load_dataset("json", data_files=cfg["train_file"], split="train")
args = dict(num_train_epochs=cfg["num_train_epochs"], learning_rate=cfg["learning_rate"],
            per_device_train_batch_size=cfg["per_device_train_batch_size"], output_dir="out")
if cfg["method"] == "dpo":
    DPOTrainer(model=model, args=DPOConfig(**args), train_dataset=data, processing_class=tokenizer).train()
else:
    SFTTrainer(model=model, args=SFTConfig(**args), train_dataset=data, processing_class=tokenizer).train()
model.save_pretrained("out/adapter")
'''


def write_kit(store, version_ref: str, trainer: str, out_dir: Path, base_model: str,
              hyperparameters: dict | None = None) -> dict:
    if trainer not in TRAINERS:
        raise InvalidRequest(f"Unknown trainer {trainer!r}.", f"Use one of: {', '.join(TRAINERS)}.")
    version = find_version(store, version_ref)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts, dpo = {}, False
    for split in ("train", "validation"):
        records = [json.loads(line) for line in store.datasets.version_lines(version["id"], split)]
        if not records:
            continue
        dpo = dpo or _is_dpo(records[0])
        with open(out_dir / f"{split}.jsonl", "w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(trl_record(record), ensure_ascii=False) + "\n")
        counts[split] = len(records)
    hp = {k: v for k, v in (hyperparameters or {}).items() if v is not None}
    config, command = _config(trainer, dpo, base_model, hp, "validation" in counts)
    (out_dir / "config.yaml").write_text(_yaml(config) + "\n", encoding="utf-8")
    if trainer == "unsloth":
        (out_dir / "train_unsloth.py").write_text(UNSLOTH_SCRIPT, encoding="utf-8")
    manifest = {"dataset": version.get("dataset_name"), "version": version["number"], "version_id": version["id"],
                "version_sha256": version["train_sha256"], "validation_sha256": version["validation_sha256"],
                "trainer": trainer, "method": "dpo" if dpo else "sft", "base_model": base_model,
                "hyperparameters": hp, "examples": counts, "command": command}
    (out_dir / "kit.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (out_dir / "README.md").write_text(
        f"# Training kit: {manifest['dataset']} v{manifest['version']} for {trainer}\n\n"
        f"Frozen version sha256 (train.jsonl as frozen): `{manifest['version_sha256']}`; keep kit.json with the "
        "model so it can enter the registry linked to this version.\n\n"
        f"- {counts.get('train', 0)} training and {counts.get('validation', 0)} validation examples, "
        f"{manifest['method'].upper()}, base model `{base_model}`.\n"
        f"- Data: {'`prompt`/`chosen`/`rejected`' if dpo else '`messages` (+ `tools`)'} JSONL.\n\n"
        f"Launch (on a machine with a GPU and {trainer} installed):\n\n```\n{command}\n```\n", encoding="utf-8")
    store.audit("kit_export", "dataset_version", version["id"], {"trainer": trainer, "out": str(out_dir)})
    return manifest
