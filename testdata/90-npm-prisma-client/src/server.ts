import Fastify from "fastify";
import { PrismaClient } from "@prisma/client";

const app = Fastify();
const db = new PrismaClient();

app.get("/orders", async () => db.order.findMany());
app.listen({ port: 3000, host: "0.0.0.0" });
