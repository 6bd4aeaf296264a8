"""Population segmentation and area peer groups.

- :func:`segment_people` -- latent class segments of people by long-term conditions, age
  and sex: BIC curve, profiles, labels, assignment of new people, bootstrap stability.
- :func:`segment_patterns` -- the same on the counts of people's response patterns made in a
  database engine (exactly the fit to every person), with the table of patterns and their
  segments to assign people there (:meth:`PeopleSegmentation.pattern_classes`).
- :func:`compare_with_k_modes` -- k-modes with silhouettes as a distance-based comparison.
- :func:`segment_shares`, :func:`high_need_gradient` -- age-standardised shares of people in
  segments by group, and the slope index of inequality of being in a high-need segment.
- :func:`cluster_areas`, :func:`peer_groups` -- k-means clusters of small areas (PCA view)
  and nearest-neighbour peer groups on standardised features.
"""

from analysis.segmentation.areas import AreaClustering, cluster_areas, peer_groups
from analysis.segmentation.comparison import compare_with_k_modes
from analysis.segmentation.inequality import high_need_gradient, segment_shares
from analysis.segmentation.people import PeopleSegmentation, segment_patterns, segment_people

__all__ = [
    "AreaClustering",
    "PeopleSegmentation",
    "cluster_areas",
    "compare_with_k_modes",
    "high_need_gradient",
    "peer_groups",
    "segment_patterns",
    "segment_people",
    "segment_shares",
]
