# Web servers (huaweicloud_compute_instance, booted from a volume: the image under block_device[0].image_id too).

variable "image_id" {
  type = string
}

variable "servers" {
  type = number
}

resource "terraform_data" "server" {
  count = var.servers
  input = {
    name      = "web-${count.index}"
    image_id  = var.image_id
    flavor_id = "c7.large.2"
    block_device = [{
      boot_index       = 0
      source_type      = "image"
      destination_type = "volume"
      image_id         = var.image_id
      volume_size      = 40
    }]
  }
}

output "image_id" {
  value = var.image_id
}
