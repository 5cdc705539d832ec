resource "huaweicloud_compute_instance" "web" {
  name      = "web"
  image_id  = data.huaweicloud_images_image.ubuntu.id
  flavor_id = "s6.large.2"
}
