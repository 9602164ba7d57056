"""Infrastructure: resource definitions, the local embedded AWS and the demo business."""
