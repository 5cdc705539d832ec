# A Huawei Cloud stack in the shape its huaweicloud_* resources have, written with only `terraform_data` (built
# into Terraform and OpenTofu: no provider to download) so that `tofu apply` runs offline and writes a real state.
# Each `input` holds what the huaweicloud resource it stands for holds: `image_id` of huaweicloud_compute_instance,
# `block_device[0].image_id` nested in a list of objects, `instance_config[0].image` of huaweicloud_as_configuration.
# The image IDs are of the package's bundled sample catalog (pulumi_cloudimages.emulator.sample); make.py applies
# this, then plans a change, and writes the files of tests/data/terraform/.

terraform {
  required_version = ">= 1.6"
}

variable "web_image_id" {
  description = "The web servers' image: Ubuntu 22.04 server 64bit 20230713, an older gold build of its lineage."
  type        = string
  default     = "ea91cb38-2d37-5841-a80b-669fc6bdbb94"
}

variable "vault_image_id" {
  description = "The vault's image (encrypted-base, a private image of project 0a1b2c3d...): sensitive, never read."
  type        = string
  default     = "34a062cb-da5f-54a1-b0ca-0654c8b91a14"
  sensitive   = true
}

variable "canary" {
  description = "Adds a canary server whose image ID is known only after apply (the plan's change)."
  type        = bool
  default     = false
}

# huaweicloud_compute_instance: the current gold image (Ubuntu 22.04 server 64bit 20240129).
resource "terraform_data" "bastion" {
  input = {
    name              = "bastion"
    image_id          = "87c08afe-80fc-52f2-abe6-f0cf30e5b09e"
    flavor_id         = "s6.small.1"
    availability_zone = "cn-north-4a"
    system_disk_type  = "SSD"
    system_disk_size  = 40
  }
}

# huaweicloud_compute_instance for each colour: private images of project 0a1b2c3d4e5f60718293a4b5c6d7e8f9, blue
# on an older build of web-server (outdated), green on the newest active one.
resource "terraform_data" "fleet" {
  for_each = {
    blue  = "cc17b53a-8e75-5b27-ad9a-426ccf434c58" # web-server-2025-06-02
    green = "ecd96b15-77e3-57ea-9a8a-11f8abd39f99" # web-server-2025-11-20
  }
  input = {
    name      = "web-${each.key}"
    image_id  = each.value
    flavor_id = "c7.large.2"
    tags      = { colour = each.key }
  }
}

# huaweicloud_as_configuration: the image under instance_config[0].image, here an image that exists nowhere (gone).
resource "terraform_data" "asg_config" {
  input = {
    scaling_configuration_name = "web-asg"
    instance_config = [{
      image    = "5b7d4c2e-9f1a-4e3b-8c6d-0a2b4c6e8f10"
      flavor   = "c7.large.2"
      key_name = "ops"
      disk = [
        { size = 40, volume_type = "SSD", disk_type = "SYS" },
        { size = 100, volume_type = "SSD", disk_type = "DATA" },
      ]
    }]
  }
}

# A server whose image ID comes from a sensitive variable: its input is marked sensitive in the state.
resource "terraform_data" "vault" {
  input = {
    name      = "vault"
    image_id  = var.vault_image_id
    flavor_id = "s6.medium.2"
  }
}

# The canary's image ID passes through another resource's `output`, which terraform_data plans as unknown until
# applied: in the plan its image_id is known only after apply.
resource "terraform_data" "canary_image" {
  count = var.canary ? 1 : 0
  input = "0967bd98-28df-535f-bee6-4fdb9b917fdc" # web-server-canary-2025-11-20
}

resource "terraform_data" "canary" {
  count = var.canary ? 1 : 0
  input = {
    name      = "web-canary"
    image_id  = terraform_data.canary_image[0].output
    flavor_id = "c7.large.2"
  }
}

module "web" {
  source   = "./modules/web"
  image_id = var.web_image_id
  servers  = 2
}

# The web module's image, out of its child module's output.
output "image_id" {
  value = module.web.image_id
}

output "bastion" {
  value = { name = terraform_data.bastion.input.name, image_id = terraform_data.bastion.input.image_id }
}

output "vault" {
  value     = { image_id = var.vault_image_id }
  sensitive = true
}
