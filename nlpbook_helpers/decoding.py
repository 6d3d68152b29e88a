"""Stage 7 of sentence generation (notebook 11, 8. 디코딩): text from a fine-tuned GPT with transformers'
`generate` — greedy, beam search or sampling (temperature, top-k, top-p) — the next-token distribution those
settings leave, and the judge of the sentiment match (the document classifier of notebook 07)."""
from __future__ import annotations

import dataclasses

import torch
from pytorch_lightning.utilities.seed import isolate_rng

__all__ = ["Decoding", "STRATEGIES", "generate_text", "next_token_probabilities", "classifier_judge"]

STRATEGIES = ("greedy", "beam", "sampling")


@dataclasses.dataclass(frozen=True)
class Decoding:
    """How to pick the next token: greedy (the most probable), beam (keep `num_beams` best sequences) or sampling
    (draw from the distribution after temperature, then keep the top_k tokens and the smallest set whose
    probabilities add up to top_p). Notebook 11, 8. 디코딩."""

    strategy: str = "sampling"
    temperature: float = 1.0
    top_k: int = 50                 # 0: no top-k cut
    top_p: float = 1.0              # 1.0: no top-p cut
    num_beams: int = 3
    max_new_tokens: int = 30
    seed: int = 7

    def generate_options(self) -> dict:
        """The keyword arguments of `model.generate` for these settings."""
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy={self.strategy!r}: use one of {', '.join(STRATEGIES)}")
        if self.strategy == "greedy":
            return {"do_sample": False, "num_beams": 1}
        if self.strategy == "beam":
            return {"do_sample": False, "num_beams": self.num_beams, "early_stopping": True}
        if not self.temperature > 0:
            raise ValueError(f"temperature={self.temperature!r}: must be > 0 (near 0 is almost greedy)")
        return {"do_sample": True, "temperature": self.temperature, "top_k": self.top_k, "top_p": self.top_p}


def _prompt_ids(model, tokenizer, prompt: str) -> torch.Tensor:
    ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
    if ids.shape[1] == 0:
        raise ValueError("the prompt is empty: write a first word, e.g. '긍정' or '부정'")
    return ids.to(model.device)


@torch.no_grad()
def _generate(model, tokenizer, prompt: str, decoding: Decoding, **extra):
    was_training = model.training
    model.eval()
    try:
        with isolate_rng():                     # seeded: the same settings give the same text, every time
            torch.manual_seed(decoding.seed)
            ids = _prompt_ids(model, tokenizer, prompt)     # a text that ended is filled up with </s> (not shown)
            return model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=decoding.max_new_tokens,
                                  pad_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
                                  **decoding.generate_options(), **extra)
    finally:
        model.train(was_training)


def generate_text(model, tokenizer, prompt: str, decoding: Decoding = Decoding()) -> str:
    """The prompt and what `model.generate` writes after it, up to `</s>` or `max_new_tokens`."""
    output = _generate(model, tokenizer, prompt, decoding)
    return tokenizer.decode(output[0], skip_special_tokens=True)


def next_token_probabilities(model, tokenizer, prompt: str, decoding: Decoding = Decoding(),
                             k: int = 10) -> list[tuple[str, float]]:
    """(token id, probability) of the `k` most probable next tokens after `prompt`, as the decoding settings leave
    them (`generate(..., output_scores=True)`: the scores after temperature, top-k and top-p; cut tokens left out).
    Greedy and beam search score the model's own distribution."""
    output = _generate(model, tokenizer, prompt, dataclasses.replace(decoding, max_new_tokens=1),
                       output_scores=True, return_dict_in_generate=True)
    probabilities = output.scores[0][0].float().softmax(-1)
    top = probabilities.topk(k)
    return [(token, float(p)) for token, p in zip(top.indices.tolist(), top.values.tolist()) if p > 0]


def classifier_judge(args):
    """The document classifier of notebook 07 as a judge: reviews → the label (0 부정, 1 긍정) it reads in each.
    `train` returns the finished run of the preset without training again, else trains it (offline: 1–2 minutes);
    the book's preset kogpt2-nsmc is judged by kcbert-nsmc."""
    from .settings import make_arguments
    from .training import predict, train

    judge_args = make_arguments("kcbert-nsmc" if args.preset == "kogpt2-nsmc" else "offline", progress_bar=False)
    with isolate_rng():                         # its seeding must not change the generation run's randomness
        result = train(judge_args)
    model, tokenizer = result.task.model, result.tokenizer
    return lambda texts: [p.label for p in predict(model, tokenizer, texts, judge_args.max_seq_length)]
