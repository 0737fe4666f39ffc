"""Courses in several languages: translations of a course version that share its structure
(modules, lessons, questions), and captions per language for video lessons."""
