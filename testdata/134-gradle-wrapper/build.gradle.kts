plugins {
    id("org.springframework.boot") version "3.3.1"
    kotlin("jvm") version "1.9.24"
}

dependencies {
    implementation("org.springframework.boot:spring-boot-starter-web")
}
