"""The shared package: distil's domain model, store, guidelines and corpus readers.

Every stage (teacher, review, student, export) imports this package and never
another stage; flows/ composes them.
"""
