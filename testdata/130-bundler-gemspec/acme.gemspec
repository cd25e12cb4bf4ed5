require_relative "lib/acme/version"

Gem::Specification.new do |spec|
  spec.name = "acme"
  spec.version = Acme::VERSION
  spec.files = Dir["lib/**/*.rb"]
end
