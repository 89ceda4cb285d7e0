"""Labels that travel with the image: segmentation masks, YOLO boxes and polygons, COCO."""
