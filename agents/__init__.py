"""Policies that act in the envs: an LLM, and scripted reference agents."""

from agents.base import TextAgent
from agents.llm import GenerationStats, LLMAgent
from agents.scripted import GreedyTopKAgent, RandomAgent, RefuseAgent, TemplateAgent

AGENTS: dict[str, type] = {
    "random": RandomAgent,
    "refuse": RefuseAgent,
    "template": TemplateAgent,
    "greedy": GreedyTopKAgent,
    "llm": LLMAgent,
}


def make_agent(name: str, **kwargs: object) -> object:
    """Build an agent by name; the error lists the valid names."""
    if name not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; choose one of {sorted(AGENTS)}")
    return AGENTS[name](**kwargs)


__all__ = ["AGENTS", "GenerationStats", "GreedyTopKAgent", "LLMAgent", "RandomAgent", "RefuseAgent",
           "TemplateAgent", "TextAgent", "make_agent"]
