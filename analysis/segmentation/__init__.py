"""Population segmentation and area peer groups.

- :func:`segment_people` -- latent class segments of people by long-term conditions, age
  and sex, with BIC selection, profiles, labels, assignment and bootstrap stability.
"""

from analysis.segmentation.people import PeopleSegmentation, segment_people

__all__ = ["PeopleSegmentation", "segment_people"]
